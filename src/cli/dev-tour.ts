/**
 * The tour `npm run dev` prints, block for block the README's "API tour" (a test runs the README's
 * blocks against a dev-mode broker and checks they are these). A comment ending "answers NNN"
 * names the status the next command gets; every other command succeeds.
 */
export const DEV_TOUR: readonly string[] = [
  `# who am I, and what may I do?
curl -s $B/v1/whoami -H "Authorization: Bearer $BROKER_TOKEN"

# a secret with a generated password in team-a, and its value
curl -s $B/v1/namespaces/team-a/secrets -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name":"db-main","generate":{"password":{"type":"password","length":32}}}'
curl -s -X POST $B/v1/namespaces/team-a/secrets/db-main/request -H "Authorization: Bearer $BROKER_TOKEN"

# let alice read team-a's db-* secrets, check it, and read one as alice
curl -s $B/v1/grants -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"subject":"user:alice","role":"reader","namespace":"team-a","namePattern":"db-*","expiresAt":"2030-01-01T00:00:00Z","reason":"on-call"}'
curl -s $B/v1/access-reviews -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"subject":"user:alice","verb":"read","namespace":"team-a","name":"db-main"}'
curl -s -X POST $B/v1/namespaces/team-a/secrets/db-main/request -H "Authorization: Bearer $ALICE_TOKEN"
# reading is all she may do: a rotation by alice answers 403
curl -s -X POST $B/v1/namespaces/team-a/secrets/db-main/rotate -H "Authorization: Bearer $ALICE_TOKEN"

# who uses it, a rotation that restarts them, the history, a rollback, a value set by hand
curl -s $B/v1/namespaces/team-a/secrets/db-main/consumers -H "Authorization: Bearer $BROKER_TOKEN"
curl -s $B/v1/namespaces/team-a/secrets/db-main/rotate -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'Content-Type: application/json' -d '{"reason":"scheduled","restartWorkloads":true}'
curl -s $B/v1/namespaces/team-a/secrets/db-main/versions -H "Authorization: Bearer $BROKER_TOKEN"
curl -s $B/v1/namespaces/team-a/secrets/db-main/rollback -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'Content-Type: application/json' -d '{"version":1,"reason":"bad rotation"}'
curl -s -i $B/v1/namespaces/team-a/secrets/db-main -H "Authorization: Bearer $BROKER_TOKEN"
# If-Match takes the ETag a read or write gave (a stale one is refused with 409)
curl -s -X PUT $B/v1/namespaces/team-a/secrets/db-main -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'If-Match: "3"' -H 'Content-Type: application/json' -d '{"data":{"password":"chosen-by-hand"}}'`,
  `curl -s $B/graphql -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' -d '{"query":
  "mutation { requestSecret(namespace: \\"team-a\\", name: \\"db-main\\") { version values { key value encoding } } }"}'
curl -s $B/graphql -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' -d '{"query":
  "{ secret(namespace: \\"team-a\\", name: \\"db-main\\") { currentVersion versions { version state reason } consumers { kind name } } }"}'`,
  `# revoke: the Secret leaves the cluster, its history stays
curl -s $B/v1/namespaces/team-a/secrets/db-main/revoke -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'Content-Type: application/json' -d '{"reason":"leaked"}'
# and a request for it now answers 410
curl -s -X POST $B/v1/namespaces/team-a/secrets/db-main/request -H "Authorization: Bearer $BROKER_TOKEN"`,
  `# temporary access: bob may approve in team-a, and alice may ask for reader on api-* for up to an hour, with two approvals
curl -s $B/v1/namespaces/team-a/secrets -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name":"api-key","generate":{"token":{"type":"password","length":40}}}'
curl -s $B/v1/roles -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name":"approver","verbs":["approve"]}'
curl -s $B/v1/grants -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"subject":"user:bob","role":"approver","namespace":"team-a"}'
curl -s $B/v1/access-policies -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name":"team-a-api","namespace":"team-a","namePattern":"api-*","roles":["reader"],"requesters":["user:alice"],"approvalsRequired":2,"maxDurationSeconds":3600}'
# alice asks; the request's id is kept in REQUEST_ID
export REQUEST_ID=$(curl -s $B/v1/access-requests -H "Authorization: Bearer $ALICE_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"policy":"team-a-api","namespace":"team-a","role":"reader","durationSeconds":3600,"reason":"incident 7"}' | sed -E 's/^[{]"id":"([^"]+)".*/\\1/')
# until two others approve, her read answers 403
curl -s -X POST $B/v1/namespaces/team-a/secrets/api-key/request -H "Authorization: Bearer $ALICE_TOKEN"
# bob approves, then the admin, who also shortens it to 5 seconds so that the tour sees it end
curl -s $B/v1/access-requests/$REQUEST_ID/reviews -H "Authorization: Bearer $BOB_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"decision":"approve"}'
curl -s $B/v1/access-requests/$REQUEST_ID/reviews -H "Authorization: Bearer $BROKER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"decision":"approve","maxDurationSeconds":5}'
curl -s -X POST $B/v1/namespaces/team-a/secrets/api-key/request -H "Authorization: Bearer $ALICE_TOKEN"
# the request now carries its grant, which ends by itself at grant.expiresAt
curl -s $B/v1/access-requests/$REQUEST_ID -H "Authorization: Bearer $ALICE_TOKEN"
sleep 5
# once it has, her read answers 403
curl -s -X POST $B/v1/namespaces/team-a/secrets/api-key/request -H "Authorization: Bearer $ALICE_TOKEN"`,
];

/** The ServiceAccount the README's "Leases" section leases; dev mode's emulator has it in team-a. */
export const DEV_LEASE_ACCOUNT = 'app-web';

/**
 * The README's "Leases" block, run as written against a dev-mode broker from the folder holding
 * `data/` (its test checks they are the same). A comment ending "answers NNN" or "answers
 * Unauthorized" names how the next command is refused.
 */
export const DEV_LEASE_TOUR = `# a 15-minute token of team-a's ServiceAccount app-web, for the broker (audience secrets-broker)
LEASE=$(curl -sf $B/v1/namespaces/team-a/serviceaccounts/app-web/leases -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'Content-Type: application/json' -d '{"ttlSeconds":900,"audiences":["secrets-broker"],"reason":"deploy"}')
APP_TOKEN=$(echo "$LEASE" | jq -r .token)
# the broker takes it as serviceaccount:team-a/app-web
curl -s $B/v1/whoami -H "Authorization: Bearer $APP_TOKEN"

# without audiences the token is for the cluster itself, and kubectl takes it
KUBE_LEASE=$(curl -sf $B/v1/namespaces/team-a/serviceaccounts/app-web/leases -H "Authorization: Bearer $BROKER_TOKEN" \\
  -H 'Content-Type: application/json' -d '{"ttlSeconds":900,"reason":"debug"}')
KUBE_TOKEN=$(echo "$KUBE_LEASE" | jq -r .token)
kubectl --kubeconfig data/emulator-kubeconfig.json --token "$KUBE_TOKEN" auth whoami

# the active leases; revoking one ends its token at once
curl -s "$B/v1/leases?state=active" -H "Authorization: Bearer $BROKER_TOKEN"
curl -s -X DELETE $B/v1/leases/$(echo "$LEASE" | jq -r .lease.id) -H "Authorization: Bearer $BROKER_TOKEN"
curl -s -X DELETE $B/v1/leases/$(echo "$KUBE_LEASE" | jq -r .lease.id) -H "Authorization: Bearer $BROKER_TOKEN"
# the broker now answers 401
curl -s $B/v1/whoami -H "Authorization: Bearer $APP_TOKEN"
# and kubectl answers Unauthorized
kubectl --kubeconfig data/emulator-kubeconfig.json --token "$KUBE_TOKEN" auth whoami`;
