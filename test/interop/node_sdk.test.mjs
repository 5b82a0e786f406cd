// SPDX-License-Identifier: BSL-1.0
// The official Node SDK against wacht-emulator: users, invitations and waitlist calls, checked
// against the wire contract. Run by test/interop/run, which starts the emulator and sets
// WACHT_API_URL, WACHT_API_KEY and NODE_EXTRA_CA_CERTS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WachtClient, NotFoundError, ValidationError } from "@wacht/backend";

const baseUrl = process.env.WACHT_API_URL;
const apiKey = process.env.WACHT_API_KEY;
const client = new WachtClient({ apiKey, baseUrl });

// The emulator's own seeding route (no backend route creates waitlist entries).
async function seedWaitlist(email, firstName) {
  const response = await fetch(`${baseUrl}/_emulator/waitlist`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ email_address: email, first_name: firstName }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

const idPattern = /^\d+$/;
const timestampPattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

test("users: create (multipart), list with search, details, update, delete", async () => {
  const created = await client.users.createUser({
    first_name: "Node",
    last_name: "Interop",
    email_address: "node.interop@example.com",
    password: "S3cure!pass",
    profile_image: new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" }),
  });
  assert.match(created.id, idPattern);
  assert.match(created.created_at, timestampPattern);
  assert.equal(created.username, null);
  assert.equal(created.profile_picture_url, "");
  assert.equal(created.primary_email_address, "node.interop@example.com");

  const page = await client.users.listUsers({ search: "INTEROP", limit: 5 });
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0].id, created.id);
  assert.equal(page.data[0].username, "");
  assert.equal(page.has_more, false);
  assert.equal(page.limit, 5);
  assert.equal(page.offset, 0);
  assert.equal(page.total, undefined); // the server has no total

  const details = await client.users.getUser(created.id);
  assert.equal(details.id, created.id);
  assert.match(details.profile_picture_url, /profile\.png$/);
  assert.equal(details.email_addresses.length, 1);
  assert.equal(details.has_password, true);

  const updated = await client.users.updateUser(created.id, {
    first_name: "Nodey",
    public_metadata: { plan: "pro" },
    second_factor_policy: "enforced",
  });
  assert.equal(updated.first_name, "Nodey");
  assert.deepEqual(updated.public_metadata, { plan: "pro" });
  assert.equal(updated.second_factor_policy, "enforced");

  assert.deepEqual(await client.users.deleteUser(created.id), {});
  // The Node SDK reads a top-level "message" that the server never sends, so its text is generic;
  // the class and status still come through.
  await assert.rejects(client.users.getUser(created.id), (error) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.statusCode ?? error.status, 404);
    return true;
  });
});

test("users: the server's validation reaches the Node SDK as a 400", async () => {
  await assert.rejects(
    client.users.createUser({ first_name: "No", last_name: "Email", password: "S3cure!pass" }),
    (error) => error instanceof ValidationError,
  );
});

test("invitations: invite, list, delete", async () => {
  const invitation = await client.invitations.inviteUser({
    first_name: "Ivy",
    last_name: "Node",
    email_address: "ivy.node@example.com",
    expiry_days: 3,
  });
  assert.match(invitation.token, /^dep\.[0-9a-f]{64}$/);
  const days = (Date.parse(invitation.expiry) - Date.parse(invitation.created_at)) / 86400000;
  assert.ok(Math.abs(days - 3) < 0.001);

  const page = await client.invitations.listInvitations({ search: "ivy", limit: 10, sort_key: "email" });
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0].id, invitation.id);

  assert.deepEqual(await client.invitations.deleteInvitation(invitation.id), {});
  await assert.rejects(client.invitations.deleteInvitation(invitation.id), (error) => error instanceof NotFoundError);
});

test("waitlist: list and approve", async () => {
  const entry = await seedWaitlist("wait.node@example.com", "Wait");
  const page = await client.invitations.listWaitlist({ search: "wait.node", limit: 10 });
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0].id, entry.id);
  assert.equal(page.data[0].last_name, null);

  const invitation = await client.invitations.approveWaitlistUser(entry.id);
  assert.equal(invitation.email_address, "wait.node@example.com");
  assert.equal(invitation.first_name, "Wait");
  assert.equal(invitation.last_name, "");
  const remaining = await client.invitations.listWaitlist({ search: "wait.node" });
  assert.equal(remaining.data.length, 0);
  await assert.rejects(client.invitations.approveWaitlistUser(entry.id), (error) => error instanceof NotFoundError);
});
