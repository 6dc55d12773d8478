"""The system tests' shared fixture: an app whose database client records every command."""

import asyncio
import copy
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo import monitoring

import app.core.db
from app.core.config import Settings
from app.core.db import create_client
from tests.conftest import http_client, running_app

BACKGROUND_TASKS = {"event-sequencer", "event-sequencer-reader", "event-arrivals"}


class CommandRecorder(monitoring.CommandListener):
    """The commands the test's own task sends (requests through ASGITransport run in it), not
    those of the app's background tasks (the event sequencer and its change streams)."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        task = asyncio.current_task()
        if task is None or task.get_name() not in BACKGROUND_TASKS:
            self.commands.append((event.command_name, copy.deepcopy(dict(event.command))))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def recorded(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, CommandRecorder]]:
    recorder = CommandRecorder()
    monkeypatch.setattr(
        app.core.db, "create_client", partial(create_client, event_listeners=[recorder])
    )
    async with running_app(settings) as application, http_client(application) as client:
        yield application, client, recorder
