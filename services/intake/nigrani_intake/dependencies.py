"""FastAPI dependency aliases; routers declare what they need and stay a few lines long."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from nigrani_intake.catalog.service import Catalog
from nigrani_intake.context import IntakeContext
from nigrani_intake.submissions.repository import RequestsRepository
from nigrani_intake.submissions.service import SubmissionService


def _context(request: Request) -> IntakeContext:
    context: IntakeContext = request.app.state.context
    return context


def _catalog(request: Request) -> Catalog:
    return _context(request).catalog


def _requests(request: Request) -> RequestsRepository:
    return _context(request).requests


def _submissions(request: Request) -> SubmissionService:
    return _context(request).submissions


CatalogDep = Annotated[Catalog, Depends(_catalog)]
RequestsDep = Annotated[RequestsRepository, Depends(_requests)]
SubmissionsDep = Annotated[SubmissionService, Depends(_submissions)]
