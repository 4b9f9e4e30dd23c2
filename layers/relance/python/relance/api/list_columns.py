"""What each list's file holds (K5): its columns, labels in both languages and types, its
name and what a row is. The values are the JSON answer's (api/list_export.py)."""

from __future__ import annotations

from typing import Any

from relance.domain.tabular import Column


def _joined(items: Any, *keys: str) -> str:
    """A list of objects as one cell: "BIJOU 3, MARTIN 1"."""
    return ", ".join(" ".join(str(i.get(k, "")) for k in keys) for i in items or [])


TASKS: dict[str, Any] = {
    "columns": (
        Column("as_of", "Date de la relance", "Run date", "date", 12),
        Column("company", "Société", "Company", "text", 10),
        Column("customer", "Client", "Customer", "text", 12),
        Column("step", "Étape", "Step", "text", 7),
        Column("level", "Niveau", "Level", "int", 7),
        Column("channel", "Canal", "Channel", "text", 10),
        Column("amount", "Montant", "Amount", "money", 14),
        Column("days_late", "Retard (jours)", "Days late", "int", 10),
        Column("recipient", "Interlocuteur", "Contact", "text", 24),
        Column("assignee", "Attribuée à", "Assigned to", "text", 14),
        Column("status", "Statut", "Status", "text", 10),
        Column("entries", "Pièces", "Entries", "text", 14),
    ),
    "name": ("Tâches", "Tasks"),
    "noun": ("tâche", "task"),
    "shown": lambda row: {"recipient": (row.get("recipient") or {}).get("name") or None},
}

ALERTS: dict[str, Any] = {
    "columns": (
        Column("raised_on", "Date", "Date", "date", 12),
        Column("company", "Société", "Company", "text", 10),
        Column("customer", "Client", "Customer", "text", 12),
        Column("kind", "Type", "Kind", "text", 20),
        Column("step", "Étape", "Step", "text", 7),
        Column("entries", "Pièces", "Entries", "text", 14),
        Column("detail", "Détail", "Detail", "text", 60),
        Column("raised_at", "Levée le", "Raised at", "datetime", 17),
    ),
    "name": ("Alertes", "Alerts"),
    "noun": ("alerte", "alert"),
}

DUNNING_RUNS: dict[str, Any] = {
    "columns": (
        Column("as_of", "Date de la relance", "Run date", "date", 12),
        Column("company", "Société", "Company", "text", 10),
        Column("kind", "Type", "Kind", "text", 10),
        Column("customers", "Clients", "Customers", "int", 9),
        Column("actions", "Actions", "Actions", "int", 9),
        Column("amount", "Montant", "Amount", "money", 15),
        Column("queued", "Envois", "Sendings", "int", 9),
        Column("manual", "Tâches", "Tasks", "int", 9),
        Column("alerts", "Alertes", "Alerts", "int", 9),
        Column("finished_at", "Terminée le", "Finished at", "datetime", 17),
    ),
    "name": ("Tournées de relance", "Dunning runs"),
    "noun": ("tournée", "run"),
}

USERS: dict[str, Any] = {
    "columns": (
        Column("display_name", "Nom", "Name", "text", 24),
        Column("email", "E-mail", "Email", "text", 30),
        Column("role", "Rôle", "Role", "text", 8),
        Column("active", "Actif", "Active", "text", 7),
        Column("language", "Langue", "Language", "text", 7),
        Column("rep_links", "Commerciaux Sage", "Sage reps", "text", 18),
        Column("created_at", "Créé le", "Created at", "datetime", 17),
        Column("updated_at", "Modifié le", "Updated at", "datetime", 17),
    ),
    "name": ("Utilisateurs", "Users"),
    "noun": ("utilisateur", "user"),
    "shown": lambda row: {"rep_links": _joined(row.get("rep_links"), "company", "rep_number")},
}

SYNC_RUNS: dict[str, Any] = {
    "columns": (
        Column("started_at", "Commencée le", "Started at", "datetime", 17),
        Column("finished_at", "Terminée le", "Finished at", "datetime", 17),
        Column("mode", "Mode", "Mode", "text", 11),
        Column("status", "Statut", "Status", "text", 9),
        Column("companies", "Sociétés", "Companies", "text", 16),
        Column("batches", "Lots", "Batches", "int", 8),
        Column("records_written", "Enregistrements", "Records", "int", 10),
        Column("run_id", "Identifiant", "Run id", "text", 28),
    ),
    "name": ("Synchronisations", "Sync runs"),
    "noun": ("synchronisation", "sync run"),
    "shown": lambda row: {
        k: (row.get("result") or {}).get(k) for k in ("batches", "records_written")
    },
}

ACCESS_LOG: dict[str, Any] = {
    "columns": (
        Column("viewed_at", "Consultée le", "Viewed at", "datetime", 17),
        Column("user_id", "Utilisateur", "User", "text", 28),
        Column("company", "Société", "Company", "text", 10),
        Column("customer", "Client", "Customer", "text", 12),
    ),
    "name": ("Journal des consultations", "Access log"),
    "noun": ("consultation", "view"),
}

ERASURES: dict[str, Any] = {
    "columns": (
        Column("at", "Effacée le", "Erased at", "datetime", 17),
        Column("by", "Par", "By", "text", 20),
        Column("reason", "Motif", "Reason", "text", 10),
        Column("company", "Société", "Company", "text", 10),
        Column("customer", "Client", "Customer", "text", 12),
        Column("items", "Éléments effacés", "Items erased", "text", 30),
        Column("erasure_id", "Identifiant", "Erasure id", "text", 28),
    ),
    "name": ("Effacements", "Erasures"),
    "noun": ("effacement", "erasure"),
    "shown": lambda row: {
        "items": ", ".join(f"{k} {v}" for k, v in sorted((row.get("items") or {}).items()))
    },
}
