"""Démarches and the OCSO back-office through the real nginx (issue 6): an employer sends a
démarche with a PDF, a staff member created with portalctl logs in, changes the temporary
password, finds it in the back-office, replies with a file and moves its status; the employer
sees the reply and receives the mail. nginx and the responder agree on the upload limits.

Multipart bodies are built by hand here, so the parser under test is not also the encoder."""

import json
import socket
import uuid

import pytest

import support
from accounts import STRONG, json_request, logged_in_principal, session_cookie, staff_session, wait_mail
from support import assert_problem, request

BOUNDARY = "----e2eBoundary" + uuid.uuid4().hex
MIB = 1024 * 1024


# --------------------------------------------------------------------------- helpers


def pdf(size=None, text="Formulaire"):
    head = f"%PDF-1.4\n% {text}\n".encode("utf-8")
    if size is None:
        return head + b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return head + b" " * (size - len(head))


def multipart(fields, files=(), boundary=BOUNDARY, close=True):
    """fields: [(name, text)]; files: [(field, filename, bytes, content_type)]."""
    out = bytearray()
    for name, value in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").encode("utf-8")
        out += value.encode("utf-8") + b"\r\n"
    for name, filename, content, content_type in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode("utf-8")
        out += content + b"\r\n"
    if close:
        out += f"--{boundary}--\r\n".encode("ascii")
    return bytes(out)


def post_multipart(path, body, cookie=None, csrf=None, boundary=BOUNDARY, timeout=60.0):
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    return request("POST", path, body=body, headers=headers, timeout=timeout)


def get(path, cookie, headers=None):
    return request("GET", path, headers={"Cookie": cookie, **(headers or {})})


def raw_post(path, content_length, body_chunks, timeout=30.0):
    """A POST written on a raw socket, which keeps reading the answer even if nginx stops
    reading the body early (a 413 is sent as soon as the headers are seen)."""
    sock = socket.create_connection((support.HTTP_HOST, support.HTTP_PORT), timeout=timeout)
    try:
        head = (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {content_length}\r\n\r\n")
        sock.sendall(head.encode("ascii"))
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while True:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
    finally:
        sock.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return support.Response(status, headers, payload, 0.0)


@pytest.fixture
def address():
    return f"e2e.{uuid.uuid4().hex[:10]}@example.fr"


# --------------------------------------------------------------------------- tests


def test_demarche_with_a_pdf_is_answered_by_staff_and_the_employer_is_mailed(address):
    structure, cookie, csrf = logged_in_principal(address)
    requests_path = f"/api/v1/structures/{structure['id']}/requests"
    form = pdf(size=3 * MIB, text="Formulaire de portabilité")  # over nginx's 1 MiB outside uploads

    sent = post_multipart(requests_path, multipart(
        [("category", "portability"), ("subject", "Portabilité de M. Martin"), ("message", "Formulaire signé ci-joint.")],
        [("attachments", "portabilité martin.pdf", form, "application/pdf")]), cookie, csrf)
    assert sent.status == 201, sent
    request_id = sent.json()["id"]
    assert sent.json()["team"] == "employees"
    assert sent.json()["attachments"][0]["size"] == len(form)

    mine = get(requests_path, cookie)
    assert mine.status == 200, mine
    assert [item["id"] for item in mine.json()["items"]] == [request_id]
    history = get(f"/api/v1/structures/{structure['id']}/history", cookie).json()["items"]
    assert any(e["action"] == "request.submit" and e["details"]["request_id"] == str(request_id) for e in history)

    # Staff of the employees team: the request is in their queue, with the employer's file.
    _, staff_cookie, staff_csrf = staff_session("employees")
    assert_problem(get("/api/v1/structures", staff_cookie), 403, "staff_account")
    assert_problem(get("/api/v1/backoffice/requests", cookie), 403, "backoffice_only")
    queue = get(f"/api/v1/backoffice/requests?structure={structure['id']}&status=received", staff_cookie)
    assert queue.status == 200, queue
    assert [item["id"] for item in queue.json()["items"]] == [request_id]
    assert queue.json()["items"][0]["structure"]["client_number"] == structure["client_number"]
    detail = get(f"/api/v1/backoffice/requests/{request_id}", staff_cookie)
    assert detail.json()["requester"]["email"] == address
    attachment_id = detail.json()["attachments"][0]["id"]
    download = get(f"/api/v1/backoffice/requests/{request_id}/attachments/{attachment_id}", staff_cookie)
    assert download.status == 200, download
    assert download.body == form
    assert download.headers["content-type"] == "application/pdf"

    # A reply with a 2 MiB file goes through the replies location; the status moves on.
    answer = pdf(size=2 * MIB, text="Attestation")
    replied = post_multipart(f"/api/v1/backoffice/requests/{request_id}/replies", multipart(
        [("message", "Bonjour,\nle dossier est complet. Attestation ci-jointe.")],
        [("attachments", "attestation.pdf", answer, "application/pdf")]), staff_cookie, staff_csrf)
    assert replied.status == 201, replied
    moved = json_request("PATCH", f"/api/v1/backoffice/requests/{request_id}", {"status": "in_progress"},
                         cookie=staff_cookie, csrf=staff_csrf)
    assert moved.status == 200, moved
    assert_problem(json_request("PATCH", f"/api/v1/backoffice/requests/{request_id}", {"status": "received"},
                                cookie=staff_cookie, csrf=staff_csrf), 409, "invalid_status_transition")

    # The employer reads the reply, downloads its file, and got the mail.
    seen = get(f"{requests_path}/{request_id}", cookie)
    assert seen.status == 200, seen
    body = seen.json()
    assert body["status"] == "in_progress"
    reply = next(e for e in body["events"] if e["kind"] == "reply")
    assert reply["body"] == "Bonjour,\nle dossier est complet. Attestation ci-jointe."
    assert reply["author_name"] == "Marie Durand"
    file = get(f"{requests_path}/{request_id}/attachments/{reply['attachments'][0]['id']}", cookie)
    assert file.status == 200 and file.body == answer
    mail = wait_mail(address, f"Réponse à votre démarche n° {request_id}")
    assert "Portabilité de M. Martin" in mail.get_content()
    assert "dossier est complet" not in mail.get_content()
    wait_mail(address, f"Votre démarche n° {request_id} : en cours de traitement")


def test_hostile_uploads_are_refused_through_nginx(address):
    structure, cookie, csrf = logged_in_principal(address)
    requests_path = f"/api/v1/structures/{structure['id']}/requests"
    fields = [("category", "sick_leave"), ("subject", "Prolongation"), ("message", "Ci-joint")]
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56

    assert_problem(post_multipart(requests_path, multipart(fields, [("attachments", "arret.pdf", elf, "application/pdf")]),
                                  cookie, csrf), 422, "unsupported_file_type")
    assert_problem(post_multipart(requests_path, multipart(fields, [("attachments", "vide.pdf", b"", "application/pdf")]),
                                  cookie, csrf), 422, "empty_file")
    six = [("attachments", f"p{i}.pdf", pdf(), "application/pdf") for i in range(6)]
    assert_problem(post_multipart(requests_path, multipart(fields, six), cookie, csrf), 422, "too_many_files")
    assert_problem(post_multipart(requests_path, multipart([("category", "vacances")] + fields[1:]), cookie, csrf),
                   422, "validation_failed")
    truncated = multipart(fields, [("attachments", "a.pdf", pdf(), "application/pdf")])[:-40]
    assert_problem(post_multipart(requests_path, truncated, cookie, csrf), 400, "malformed_multipart")
    assert_problem(post_multipart(requests_path, multipart(fields), cookie, csrf, boundary="other"), 400, "malformed_multipart")
    # Names are cleaned, never paths.
    sent = post_multipart(requests_path, multipart(fields, [("attachments", "../../etc/passwd\x01", pdf(), "application/pdf")]),
                          cookie, csrf)
    assert sent.status == 201, sent
    assert sent.json()["attachments"][0]["file_name"] == "passwd.pdf"
    assert [item["id"] for item in get(requests_path, cookie).json()["items"]] == [sent.json()["id"]]


def test_nginx_and_the_responder_agree_on_the_upload_limits(address):
    structure, cookie, csrf = logged_in_principal(address)
    requests_path = f"/api/v1/structures/{structure['id']}/requests"

    # 30 MiB: refused by nginx as soon as it reads the headers, as a problem document.
    size = 30 * MIB
    resp = raw_post(requests_path, size, (b"x" * MIB for _ in range(30)))
    assert_problem(resp, 413, "payload_too_large")

    # Under nginx's 26 MiB but over 25 MiB of files: the responder refuses it with its own 413.
    sizes = [10 * MIB, 10 * MIB, 5 * MIB + 1]
    body = multipart([("category", "contributions"), ("subject", "Bordereaux"), ("message", "Trois bordereaux")],
                     [("attachments", f"b{i}.pdf", pdf(size=size), "application/pdf") for i, size in enumerate(sizes)])
    assert 25 * MIB < len(body) < 26 * MIB
    assert_problem(post_multipart(requests_path, body, cookie, csrf), 413, "attachments_too_large")
    one_too_big = multipart([("category", "contributions"), ("subject", "Bordereau"), ("message", "Un bordereau")],
                            [("attachments", "gros.pdf", pdf(size=10 * MIB + 1), "application/pdf")])
    assert_problem(post_multipart(requests_path, one_too_big, cookie, csrf), 413, "attachment_too_large")
    assert get(requests_path, cookie).json()["total"] == 0

    # JSON endpoints keep nginx's 1 MiB, and the back-office replies location its 26 MiB.
    big_json = json.dumps({"job_title": "x" * (2 * MIB)}).encode()
    assert_problem(request("PATCH", "/api/v1/me", body=big_json,
                           headers={"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf}), 413,
                   "payload_too_large")
    assert_problem(raw_post("/api/v1/backoffice/requests/1/replies", 27 * MIB, (b"x" * MIB for _ in range(27))), 413,
                   "payload_too_large")
    assert_problem(raw_post(f"{requests_path}/1", 2 * MIB, (b"x" * MIB for _ in range(2))), 413, "payload_too_large")
