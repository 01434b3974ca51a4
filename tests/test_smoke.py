def test_login_and_dashboard(web, make_user, make_ceremony):
    user = make_user()
    make_ceremony(user.org if False else type("O", (), {"id": user.org_id})())
    web.login(user)
    page = web.get("/")
    assert page.status_code == 200
