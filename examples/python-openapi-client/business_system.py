"""A small business system that drives a lifecycle over HTTP alone, with a generated client.

The client is generated from the gateway's OpenAPI document by openapi-python-client (see
README.md) into a package named ``hotdocs_gateway_client``; this program only imports it. It starts
a lifecycle (``startAssembly``), asks for its interview (``getInterview``), finishes the interview
through the signed finish link, as the person's browser would (``finishInterview``, no API key),
waits for the result (``getAssemblyResult``), then lists the documents (``listDocuments``),
downloads each (``downloadDocument``) and checks its SHA-256.

Configuration (environment):
  HOTDOCS_GATEWAY_URL      the HTTP gateway (default http://127.0.0.1:8080)
  HOTDOCS_GATEWAY_API_KEY  an API key of the gateway (required)

Usage: python business_system.py [--business-key KEY] [--out DIR]
Prints one JSON document: the lifecycle, its outcome and the files written.
"""

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from pathlib import Path

from hotdocs_gateway_client import AuthenticatedClient, Client
from hotdocs_gateway_client.api.assemblies import get_assembly_result, start_assembly
from hotdocs_gateway_client.api.documents import download_document, list_documents
from hotdocs_gateway_client.api.interview import finish_interview, get_interview
from hotdocs_gateway_client.models import (
    Assembly,
    AssemblyDocuments,
    AssemblyRequest,
    AssemblyResult,
    Error,
    ErrorCode,
    Interview,
    InterviewFinish,
    InterviewFinished,
    SessionMode,
    WorkItem,
)
from hotdocs_gateway_client.types import File

# Any GUIDs work with the emulator; use your work group and template package with Advance.
WORK_GROUP_ID = "6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11"
TEMPLATE_PACKAGE_ID = "0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22"
ANSWERS = (
    '<AnswerSet><Answer name="Tenant"><TextValue>Ada Generated</TextValue></Answer>'
    '<Answer name="Rent"><NumValue>990</NumValue></Answer></AnswerSet>'
)
# How long to keep asking while the gateway answers "not yet" (each ask waits up to its wait limit).
PATIENCE_S = 120.0


class ExampleError(Exception):
    """What went wrong, in words; the example exits with code 1."""


def expect(what: str, answer, kind):
    """The answer if it is a `kind`; the gateway's refusal (or an undocumented answer) otherwise."""
    if isinstance(answer, kind):
        return answer
    if isinstance(answer, Error):
        raise ExampleError(f"{what}: {answer.error.code} ({answer.error.message})")
    raise ExampleError(f"{what}: an answer the OpenAPI document does not describe")


def wait_for(what: str, ask, kind, not_yet: ErrorCode):
    """Asks again (each ask is held open by the gateway with ?wait=true) while the answer is `not_yet`."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        answer = ask()
        if isinstance(answer, Error) and answer.error.code == not_yet and time.monotonic() < deadline:
            continue
        return expect(what, answer, kind)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--business-key", default=f"generated-{uuid.uuid4()}")
    parser.add_argument("--out", default="documents", type=Path)
    args = parser.parse_args()
    api_key = os.environ.get("HOTDOCS_GATEWAY_API_KEY", "").strip()
    if api_key == "":
        raise ExampleError("set HOTDOCS_GATEWAY_API_KEY to an API key of the gateway")
    base_url = (os.environ.get("HOTDOCS_GATEWAY_URL") or "http://127.0.0.1:8080").rstrip("/")

    gateway = AuthenticatedClient(base_url=base_url, token=api_key, timeout=None)
    started = start_assembly.sync(
        client=gateway,
        body=AssemblyRequest(
            business_key=args.business_key,
            work_item=WorkItem(
                name=f"Lease {args.business_key}",
                work_group_id=WORK_GROUP_ID,
                template_package_id=TEMPLATE_PACKAGE_ID,
            ),
            answer_xml=ANSWERS,
            mode=SessionMode.INTERVIEW,
        ),
    )
    lifecycle_id = expect("start", started, Assembly).id

    interview = wait_for(
        "interview",
        lambda: get_interview.sync(lifecycle_id, client=gateway, wait=True),
        Interview,
        ErrorCode.NO_INTERVIEW_WAITING,
    )
    # Here a real system shows the interview (interview.interview_js_url) in its page; the page
    # posts to the finish link when the person presses Finish. The link is its own credential.
    finish_prefix = f"{base_url}/v1/finish/"
    if not interview.finish_url.startswith(finish_prefix):
        raise ExampleError(f"the finish link {interview.finish_url} is not this gateway's")
    browser = Client(base_url=base_url)
    finished = expect(
        "finish",
        finish_interview.sync(
            interview.finish_url[len(finish_prefix) :],
            client=browser,
            body=InterviewFinish(version_id=interview.version_id),
        ),
        InterviewFinished,
    )

    result = wait_for(
        "result",
        lambda: get_assembly_result.sync(lifecycle_id, client=gateway, wait=True),
        AssemblyResult,
        ErrorCode.LIFECYCLE_STILL_RUNNING,
    )
    stored = {
        document.document_id: document.sha256
        for session in result.sessions
        for document in session.documents
    }

    listed = expect("documents", list_documents.sync(lifecycle_id, client=gateway), AssemblyDocuments)
    written = []
    for document in listed.documents:
        answer = download_document.sync_detailed(
            lifecycle_id, document.document_id, client=gateway, version_id=document.version_id
        )
        content = expect(f"download of {document.document_id}", answer.parsed, File).payload.read()
        digest = hashlib.sha256(content).hexdigest()
        # The bytes are the ones the lifecycle stored, and they come in their own media type.
        if digest != document.sha256 or digest != stored.get(document.document_id):
            raise ExampleError(f"document {document.document_id}: SHA-256 {digest} is not the stored one")
        media_type = answer.headers.get("content-type", "").split(";")[0].strip()
        if media_type != document.content_type:
            raise ExampleError(
                f"document {document.document_id} came as {media_type}, listed as {document.content_type}"
            )
        target = args.out / document.version_id / Path(document.file_name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(
            {
                "documentId": document.document_id,
                "versionId": document.version_id,
                "contentType": document.content_type,
                "path": str(target),
                "size": len(content),
                "sha256": digest,
            }
        )
    return {
        "lifecycleId": lifecycle_id,
        "outcome": str(result.outcome),
        "workItemId": result.work_item_id,
        "versionId": interview.version_id,
        "interviewCompleted": finished.interview_completed,
        "documents": written,
    }


if __name__ == "__main__":
    try:
        print(json.dumps(main(), indent=2))
    except ExampleError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        sys.exit(1)
