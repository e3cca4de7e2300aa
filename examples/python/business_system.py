"""A small business system in Python that drives a HotDocs Advance lifecycle on Temporal.

It starts a lifecycle (workflow type ``assemblyLifecycle``, id ``assembly-<businessKey>``), waits
until the ``status`` query shows the interview session, reports the interview as finished with the
``interviewCompleted`` signal (a real system does that when the person presses Finish), waits for
the result, then downloads every document over the HTTP gateway and checks its SHA-256.

The JSON it sends and receives is described by the JSON Schema files in ../../schemas/.

Configuration (environment, as the TypeScript tools read it):
  TEMPORAL_ADDRESS         Temporal frontend (default localhost:7233)
  TEMPORAL_NAMESPACE       namespace (default "default")
  TEMPORAL_TASK_QUEUE      the lifecycle workers' task queue (default hotdocs-assembly)
  HOTDOCS_GATEWAY_URL      the HTTP gateway (default http://127.0.0.1:8080)
  HOTDOCS_GATEWAY_API_KEY  an API key of the gateway (required)

Usage: python business_system.py [--business-key KEY] [--out DIR]
Prints one JSON document: the lifecycle, its outcome and the files written.
"""

import argparse
import asyncio
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError

WORKFLOW_TYPE = "assemblyLifecycle"
# Any GUIDs work with the emulator; use your work group and template package with Advance.
WORK_GROUP_ID = "6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11"
TEMPLATE_PACKAGE_ID = "0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22"
ANSWERS = (
    '<AnswerSet><Answer name="Tenant"><TextValue>Ada Python</TextValue></Answer>'
    '<Answer name="Rent"><NumValue>990</NumValue></Answer></AnswerSet>'
)


class ExampleError(Exception):
    """What went wrong, in words; the example exits with code 1."""


async def start_lifecycle(client: Client, business_key: str, task_queue: str) -> WorkflowHandle:
    """Starts the lifecycle; a second start with the same business key finds the first."""
    lifecycle_input = {
        "businessKey": business_key,
        "workItem": {
            "name": f"Lease {business_key}",
            "workGroupId": WORK_GROUP_ID,
            "templatePackageId": TEMPLATE_PACKAGE_ID,
        },
        "answerXml": ANSWERS,
        "mode": "interview",
    }
    workflow_id = f"assembly-{business_key}"
    try:
        return await client.start_workflow(
            WORKFLOW_TYPE, lifecycle_input, id=workflow_id, task_queue=task_queue
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(workflow_id)


async def wait_for_interview(handle: WorkflowHandle, timeout_s: float = 60.0) -> dict:
    """Polls the status query until the active session's interview has begun."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        status = await handle.query("status")
        session = status.get("activeSession")
        if (
            status["stage"] == "waiting-for-interview"
            and session is not None
            and session.get("interview") is not None
            and not session["interviewCompleted"]
        ):
            return session
        if status["stage"] in ("completed", "expired", "cancelled", "failed"):
            raise ExampleError(f"lifecycle {handle.id} ended as {status['stage']} before its interview")
        if asyncio.get_running_loop().time() > deadline:
            raise ExampleError(f"lifecycle {handle.id} did not offer its interview (stage {status['stage']})")
        await asyncio.sleep(0.2)


def gateway_get(url: str, api_key: str):
    """A GET with the API key; gateway errors become ExampleErrors with the gateway's code."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"})
    try:
        return urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as error:
        try:
            detail = json.load(error)["error"]
            reason = f"{detail['code']}: {detail['message']}"
        except Exception:  # noqa: BLE001 - any unreadable body is reported by status alone
            reason = "no error body"
        raise ExampleError(f"GET {url.split('?')[0]} answered {error.code} ({reason})") from None


def download_documents(gateway_url: str, api_key: str, lifecycle_id: str, out_dir: Path) -> list:
    """Downloads every stored document, streaming each to a file and checking its SHA-256."""
    base = f"{gateway_url.rstrip('/')}/v1/assemblies/{urllib.parse.quote(lifecycle_id, safe='')}"
    with gateway_get(f"{base}/documents", api_key) as answer:
        listed = json.load(answer)["documents"]
    written = []
    for document in listed:
        target = out_dir / document["versionId"] / Path(document["fileName"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with gateway_get(document["href"], api_key) as answer, open(target, "wb") as file:
            while chunk := answer.read(64 * 1024):
                digest.update(chunk)
                size += len(chunk)
                file.write(chunk)
        if digest.hexdigest() != document["sha256"]:
            target.unlink()
            raise ExampleError(
                f"document {document['documentId']} ({document['fileName']}): SHA-256 {digest.hexdigest()} "
                f"does not match the listed {document['sha256']}"
            )
        written.append(
            {
                "documentId": document["documentId"],
                "versionId": document["versionId"],
                "path": str(target),
                "size": size,
                "sha256": document["sha256"],
            }
        )
    return written


async def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--business-key", default=f"python-{uuid.uuid4()}")
    parser.add_argument("--out", default="documents", type=Path)
    args = parser.parse_args()
    api_key = os.environ.get("HOTDOCS_GATEWAY_API_KEY", "").strip()
    if api_key == "":
        raise ExampleError("set HOTDOCS_GATEWAY_API_KEY to an API key of the gateway")
    gateway_url = os.environ.get("HOTDOCS_GATEWAY_URL") or "http://127.0.0.1:8080"
    task_queue = os.environ.get("TEMPORAL_TASK_QUEUE") or "hotdocs-assembly"

    client = await Client.connect(
        os.environ.get("TEMPORAL_ADDRESS") or "localhost:7233",
        namespace=os.environ.get("TEMPORAL_NAMESPACE") or "default",
    )
    handle = await start_lifecycle(client, args.business_key, task_queue)
    session = await wait_for_interview(handle)
    # Here a real system shows the interview (session["interview"]["interviewJsUrl"]) and sends
    # the signal when the person presses Finish.
    await handle.signal("interviewCompleted", {"versionId": session["versionId"]})
    result = await handle.result()
    stored = {
        document["documentId"]: document["sha256"]
        for completed in result["sessions"]
        for document in completed["documents"]
        if "sha256" in document
    }
    documents = download_documents(gateway_url, api_key, handle.id, args.out)
    for document in documents:
        # The gateway's bytes are the ones the lifecycle recorded when it stored them.
        if stored.get(document["documentId"]) != document["sha256"]:
            raise ExampleError(f"document {document['documentId']} is not the one the lifecycle stored")
    return {
        "lifecycleId": handle.id,
        "outcome": result["outcome"],
        "workItemId": result["workItemId"],
        "versionId": session["versionId"],
        "documents": documents,
    }


if __name__ == "__main__":
    try:
        print(json.dumps(asyncio.run(main()), indent=2))
    except ExampleError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        sys.exit(1)
