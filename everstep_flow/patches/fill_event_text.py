"""0.15: Flow Event Text (the ledger's text events, which search reads) for events written before it existed."""

import frappe

from everstep_flow.base import ledger


def execute() -> None:
	"""One INSERT ... SELECT of the text events not yet copied: PostgreSQL stores the JSON details as json, MariaDB
	as text."""
	details = "cast(e.`details` as text)" if frappe.db.db_type == "postgres" else "e.`details`"
	kinds = ", ".join(frappe.db.escape(kind) for kind in sorted(ledger.TEXT_EVENTS))
	columns = ", ".join(f"`{field}`" for field in ledger.TEXT_FIELDS)
	frappe.db.sql(
		f"""insert into `tabFlow Event Text` ({columns})
		select e.`name`, e.`creation`, e.`modified`, e.`owner`, e.`modified_by`, 0, e.`request`,
			coalesce(e.`is_internal`, 0), {details}
		from `tabFlow Event` e
		where e.`event_type` in ({kinds}) and e.`details` is not null
			and not exists (select 1 from `tabFlow Event Text` t where t.`name` = e.`name`)"""
	)
