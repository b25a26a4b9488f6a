from everstep_flow.engine.team import Member, lead_of, member_problems


def test_valid_team():
	members = [Member("a@x", is_lead=True), Member("b@x", availability="Away", delegate="a@x")]
	assert member_problems(members) == []
	assert lead_of("", members) == "a@x"
	assert lead_of("b@x", members) == "b@x"


def test_problems_name_the_member():
	found = member_problems(
		[Member("a@x", delegate="a@x"), Member("a@x"), Member("c@x", availability="Gone")]
	)
	assert any("a@x cannot be their own delegate" in m for m in found)
	assert any("a@x is listed more than once" in m for m in found)
	assert any("c@x has availability 'Gone'" in m for m in found)


def test_single_lead():
	found = member_problems([Member("a@x", is_lead=True), Member("b@x", is_lead=True)])
	assert found == ["Only one member can be the lead; marked as lead: a@x, b@x"]
