"""Single-table key design. Every key but a connector's starts with the tenant id.

Items (PK / SK, then GSI1PK / GSI1SK when the item is in the index):
- connector:      CONNECTOR#{key_id} / CONNECTOR;  GSI1: T#{t}#CONNECTORS / {key_id}
- company:        T#{t} / COMPANY#{company}
- Sage record:    T#{t}#CO#{company} / {ENTITY}#{key}
                  customer-bound ones also GSI1: T#{t}#CO#{c}#CUST#{number} / {ENTITY}#{key}
                  settled lines (payment history) GSI1: T#{t}#CO#{c}#HIST#{number} /
                  SETTLED_LINE#{key}, apart from the card's key so the card never reads them
- sync run:       T#{t}#SYNC / RUN#{run_id};  GSI1: T#{t}#RUNS / {started_at}#{run_id}
- customer summary: T#{t}#SUMS#{company} / {customer}  (rewritten when a sync finishes)
                  GSI1: T#{t}#CO#{c}#CUST#{customer} / SUMMARY (the card reads its profile)
- payment outlook: T#{t}#OUTLOOK#{company} / {customer}  (score factors and predicted
                  payment dates, rewritten with the summary; decision on payment history)
                  GSI1: T#{t}#CO#{c}#CUST#{customer} / OUTLOOK (the card's Query reads it)
- score history:  T#{t}#SCOREHIST#{company} / {customer}  (weekly score points, written
                  only when they change: store/score_history.py, domain/payments/trend.py)
                  GSI1: T#{t}#CO#{c}#CUST#{customer} / SCORE_HISTORY (the card's Query)
- summary pack:   T#{t}#SUMMARIES / {company}#!PACK#{part}  (every summary of the company,
                  packed: store/packs.py; beside the follow-up rollups {c}#{n}#FOLLOWUP)
                  (before decision 22 summaries were T#{t}#SUMMARIES / {company}#{customer};
                  a company's first sync after it deletes them)
- cash collected: T#{t}#SUMMARIES / {company}#!CASHIN  (per customer and day since the 1st
                  of the previous month, written at each sync's finish; read by pattern 9:
                  store/cash_collected.py)
- daily report:   T#{t}#REPORT#{user} / {local day}  (claim and snapshot; store/daily_report.py)
- batch marker:   T#{t}#SYNC / BATCH#{batch_id}  (expires through TTL)
- watermark:      T#{t}#SYNC / WATERMARK#{company}#{entity}
- sync request:   T#{t}#SYNC / REQUEST
- control report: T#{t}#SYNC / CONTROL#{run_id}#{company};
                  GSI1: T#{t}#CONTROLS#{company} / {as_of}#{run_id}

Access patterns (each one a GetItem or a Query on one partition; tested in
tests/integration/test_store.py):
1. Authenticate a relay request: GetItem CONNECTOR#{key_id} -> tenant and secret.
   (The one key without a tenant prefix: the tenant is what it tells.)
2. All records of one entity of a company (aged balance, delete sweep, nightly run):
   Query PK=T#{t}#CO#{c}, SK begins_with {ENTITY}#.
3. A customer with its contacts, open lines and summary (customer card): Query GSI1
   GSI1PK=T#{t}#CO#{c}#CUST#{num}.
3b. A customer's payment history (settled lines of 24 months): Query GSI1
   GSI1PK=T#{t}#CO#{c}#HIST#{num}.
4. Was this batch already stored? GetItem T#{t}#SYNC / BATCH#{batch_id}.
5. A run, its watermarks, the pending sync request: GetItem / Query PK=T#{t}#SYNC.
6. Latest runs, newest first: Query GSI1 GSI1PK=T#{t}#RUNS, descending.
7. Latest control of a company: Query GSI1 GSI1PK=T#{t}#CONTROLS#{c}, descending, limit 1.
8. The tenant's companies: Query PK=T#{t}, SK begins_with COMPANY#.
9. Who owes what (customer list, dashboard): Query PK=T#{t}#SUMMARIES (one partition, all
   companies; SK begins_with {company}# for one company): each company's summary pack and
   the follow-up rollups, nothing per customer but the rollups (decision 22).

Users (store/users.py, its patterns U1-U5; tested in tests/integration/test_users_api.py):
- user:           T#{t}#USERS / USER#{user_id}  (version for optimistic locking)
- email claim:    T#{t}#USERS / EMAIL#{email}  -> user_id (email unique per tenant)
- rep claim:      T#{t}#USERS / REP#{company}#{rep_number}  -> user_id (one user per Sage rep)
- admin count:    T#{t}#USERS / ADMINS  (active_admins; the last one cannot be removed)
9. One user, or who has an email: GetItem T#{t}#USERS / USER#{id} or EMAIL#{email}.
10. A tenant's users: Query PK=T#{t}#USERS, SK begins_with USER#.
11. Create / change a user: TransactWriteItems over the user, its claims and the admin count.
Display settings (store/settings.py; tests/integration/test_settings_api.py):
- settings:       T#{t}#USERS / SETTINGS#{user_id}  (version for optimistic locking);
  one GetItem per customer list, card or dashboard ("today" and formats, V9).

Dunning (issue 4; store/dunning.py, store/dunning_config.py). Per company, one partition the
nightly run reads in one Query; each item is also in GSI1 under the customer's key so the
card shows it:
- history:   T#{t}#DUN#{c} / HIST#{customer}               GSI1: customer / DUNNING#HISTORY
             entries: {entry: {step, on, times, pending}}, version
- stop:      T#{t}#DUN#{c} / STOP#{customer}#{stop_id}     GSI1: customer / DUNNING#STOP#{id}
- override:  T#{t}#DUN#{c} / OVERRIDE#{customer}#{id}      GSI1: customer / DUNNING#OVERRIDE#{id}
- profile:   T#{t}#DUN#{c} / PROFILE#{customer}            GSI1: customer / DUNNING#PROFILE
- action:    T#{t}#CO#{c}#CUST#{n} / ACTION#{as_of}#{step} GSI1: customer / ACTION#{as_of}#{step}
- task:      T#{t}#TASKS#{assignee or _} / {as_of}#{c}#{n}#{step}  (manual actions, C4)
- alert:     T#{t}#ALERTS / {c}#{n}#{kind}#{step}
- run:       T#{t}#DUNRUN / {as_of}#{c}
- settings:  T#{t}#SETTINGS / DUNNING (scenarios, profiles), DUNNING_RUN (hour, zone),
             PENALTY_RATES (ECB and legal rates per half-year)
"""

from __future__ import annotations

# Records attached to one customer also go to GSI1, so the customer card is one Query.
CUSTOMER_BOUND = frozenset({"customer", "contact", "ledger_line"})
# A customer summary's sort key in GSI1, under the customer's key (its dunning profile).
SUMMARY_GSI1SK = "SUMMARY"


def tenant_pk(tenant: str) -> str:
    return f"T#{tenant}"


def company_pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#CO#{company}"


def entity_prefix(entity: str) -> str:
    return f"{entity.upper()}#"


def record_sk(entity: str, key: str) -> str:
    return f"{entity_prefix(entity)}{key}"


def customer_gsi1pk(tenant: str, company: str, customer: str) -> str:
    return f"T#{tenant}#CO#{company}#CUST#{customer}"


def customer_history_gsi1pk(tenant: str, company: str, customer: str) -> str:
    return f"T#{tenant}#CO#{company}#HIST#{customer}"


def summaries_pk(tenant: str) -> str:
    return f"T#{tenant}#SUMMARIES"


# A pack's sort key sorts before the company's rollups ({c}#{n}#FOLLOWUP): "!" precedes
# every character of a Sage customer number.
PACK_MARK = "!PACK#"


def pack_prefix(company: str) -> str:
    return f"{company}#{PACK_MARK}"


def pack_sk(company: str, part: int) -> str:
    return f"{pack_prefix(company)}{part:03d}"


def outlook_pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#OUTLOOK#{company}"


OUTLOOK_GSI1SK = "OUTLOOK"


def customer_summaries_pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#SUMS#{company}"


def sync_pk(tenant: str) -> str:
    return f"T#{tenant}#SYNC"


def connector_pk(key_id: str) -> str:
    return f"CONNECTOR#{key_id}"


def runs_gsi1pk(tenant: str) -> str:
    return f"T#{tenant}#RUNS"


def controls_gsi1pk(tenant: str, company: str) -> str:
    return f"T#{tenant}#CONTROLS#{company}"
