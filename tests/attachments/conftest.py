"""A ticket of the customer's, assigned to the agent, to attach files to."""

import httpx
import pytest

from tests.factories import Actors, assign, create_ticket


@pytest.fixture
async def ticket(client: httpx.AsyncClient, actors: Actors) -> str:
    created = await create_ticket(client, actors.customer)
    await assign(client, created["id"], actors.agent)
    return str(created["id"])
