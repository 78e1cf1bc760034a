"""Pages of a long list whose cost does not grow with the table: the rows of the page,
and a count bounded to a window of pages ahead ("more than N" past it)."""

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination

# Pages counted ahead of the current one: beyond them the list says "more than".
PAGES_AHEAD = 20


class BoundedPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, except that the total counts at most PAGES_AHEAD
    pages from the current one. `capped` says the true total is larger than `total`
    (then `total` is one more than the rows counted, so a next page is offered)."""

    capped: bool = False

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        session = self._query_args["session"]
        ahead = self.per_page * PAGES_AHEAD
        window = _rows(stmt).offset(self._query_offset).limit(ahead + 1).subquery()
        counted = session.execute(sa.select(sa.func.count()).select_from(window)).scalar()
        if not counted and self._query_offset:
            # Past the end: count from the start, as far as the page asked for.
            return session.execute(sa.select(sa.func.count()).select_from(
                _rows(stmt).limit(self._query_offset).subquery())).scalar()
        self.capped = counted > ahead
        return self._query_offset + counted

    @property
    def shown_total(self) -> int:
        """What the page may say is the total: a lower bound when `capped`."""
        return self.total - 1 if self.capped else self.total


def _rows(stmt):
    return (stmt.options(sa.orm.lazyload("*")).order_by(None)
            .with_only_columns(sa.literal_column("1"), maintain_column_froms=True))


def paginate(session, stmt, page: int, per_page: int) -> BoundedPagination:
    return BoundedPagination(select=stmt, session=session, page=page, per_page=per_page,
                             max_per_page=None, error_out=False)
