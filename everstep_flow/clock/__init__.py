"""Time that acts: the sweep (SLA states, handoffs not accepted, follow-ups due), nudges and escalation, and
absences that hand a person's claims back. The top layer of the shell: it may act on everything below."""
