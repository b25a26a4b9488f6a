"""The client: calls logged against a request or a client, follow-ups that come due, and one client timeline of
requests, calls and the host apps' own history."""
