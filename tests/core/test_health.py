import httpx


class TestHealth:
    async def test_ok_without_auth(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/health/")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_ready_pings_the_database(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/ready/")
        assert response.status_code == 200
        assert response.json() == {"status": "ready"}
