"""The staff side's long-lived objects, created once per web application."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from core.settings import Settings

from .audit import AuditLog
from .documents import DocumentRepository
from .publishing import Publisher
from .search import KnowledgeBackend, SearchService
from .uploads import MAX_WORKERS


def history_dir(cfg: Settings) -> Path:
    """Where every saved revision is kept: beside the other data, outside ``KNOWLEDGE_DIR``."""
    return cfg.data_dir / "knowledge_history"


@dataclass
class StaffServices:
    settings: Settings
    documents: DocumentRepository
    publisher: Publisher
    search: SearchService
    audit: AuditLog
    extractions: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_WORKERS))


STAFF_KEY = web.AppKey("staff_services", StaffServices)


def create_services(cfg: Settings, knowledge: KnowledgeBackend) -> StaffServices:
    """``knowledge``: the model holder (the action server, over HTTP) for searches and builds."""
    return StaffServices(
        settings=cfg,
        documents=DocumentRepository(cfg.knowledge_dir, history_dir(cfg)),
        publisher=Publisher(cfg, build=knowledge.build),
        search=SearchService(knowledge),
        audit=AuditLog(cfg.database_url),
    )
