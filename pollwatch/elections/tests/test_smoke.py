def test_election_now_uses_scenario_clock(election):
    import datetime as dt

    election.scenario_clock = dt.datetime(2017, 10, 14, 6, tzinfo=dt.UTC)
    assert election.now().date() == dt.date(2017, 10, 14)
