def test_login_page_is_swedish(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Logga in" in response.get_data(as_text=True)


def test_admin_start_page(client, auth):
    auth.login("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Administration" in page
