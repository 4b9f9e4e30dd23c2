"""Sage 100 tables (the subset Relance reads) as SQLite DDL, with Sage's exact names.

Declared types mimic SQL Server (VARCHAR(n), SMALLINT, NUMERIC(24,6), DATETIME,
SMALLDATETIME) because the SQLite3 ODBC driver maps declared types to ODBC types, so the
relay sees roughly what it would see on SQL Server. What comes back through
unixODBC + libsqlite3odbc + pyodbc:
- NUMERIC(24,6) -> float (read amounts with CAST(col AS TEXT) to stay exact);
- DATETIME -> datetime.datetime;
- SMALLDATETIME (cbModification) -> str 'YYYY-MM-DD HH:MM:00' (the driver does not know
  the type name);
- VARCHAR -> str with trailing spaces kept.

Storage conventions (what the generator writes):
- dates as text 'YYYY-MM-DD HH:MM:SS'; cbModification as 'YYYY-MM-DD HH:MM:00';
- amounts as the str() of a Decimal (SQLite's NUMERIC affinity stores them as INTEGER or
  REAL; up to 15 significant digits round-trip exactly through CAST(... AS TEXT));
- cbMarq INTEGER PRIMARY KEY AUTOINCREMENT, like an IDENTITY column: never reused after a
  DELETE, which is what delete detection by cbMarq relies on.
"""

from __future__ import annotations

import sqlite3

# Technical columns Sage adds to every table (cbMarq is declared separately).
_TECHNICAL = (
    ("cbProt", "SMALLINT"),
    ("cbCreateur", "VARCHAR(4)"),
    ("cbModification", "SMALLDATETIME"),
    ("cbReplication", "INT"),
    ("cbFlag", "SMALLINT"),
    ("cbCreation", "DATETIME"),
    ("cbCreationUser", "VARCHAR(36)"),
)
TECHNICAL_COLUMNS: tuple[str, ...] = tuple(name for name, _ in _TECHNICAL)

_MONEY = "NUMERIC(24,6)"

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "P_DOSSIER": (
        ("D_RaisonSoc", "VARCHAR(35)"),
        ("D_DebutExo01", "DATETIME"),
        ("D_FinExo01", "DATETIME"),
        ("D_DebutExo02", "DATETIME"),
        ("D_FinExo02", "DATETIME"),
        ("D_DebutExo03", "DATETIME"),
        ("D_FinExo03", "DATETIME"),
        ("D_DebutExo04", "DATETIME"),
        ("D_FinExo04", "DATETIME"),
        ("D_DebutExo05", "DATETIME"),
        ("D_FinExo05", "DATETIME"),
    ),
    "P_REGLEMENT": (
        ("cbIndice", "SMALLINT"),
        ("R_Intitule", "VARCHAR(35)"),
        ("R_Code", "VARCHAR(3)"),
    ),
    "P_DEVISE": (
        ("cbIndice", "SMALLINT"),
        ("D_Intitule", "VARCHAR(35)"),
        ("D_CodeISO", "VARCHAR(3)"),
        ("D_Sigle", "VARCHAR(21)"),
        ("D_Cours", _MONEY),
        ("D_Format", "VARCHAR(21)"),
        ("D_Euro", "SMALLINT"),
    ),
    "F_COLLABORATEUR": (
        ("CO_No", "INT"),
        ("CO_Nom", "VARCHAR(35)"),
        ("CO_Prenom", "VARCHAR(35)"),
        ("CO_Fonction", "VARCHAR(35)"),
        ("CO_EMail", "VARCHAR(69)"),
        ("CO_Telephone", "VARCHAR(21)"),
        ("CO_Vendeur", "SMALLINT"),
        ("CO_ChargeRecouvr", "SMALLINT"),
        ("CO_Financier", "SMALLINT"),
    ),
    "F_JOURNAUX": (
        ("JO_Num", "VARCHAR(7)"),
        ("JO_Intitule", "VARCHAR(35)"),
        ("CG_Num", "VARCHAR(13)"),
        ("JO_Type", "SMALLINT"),
        ("JO_Sommeil", "SMALLINT"),
        ("JO_Reglement", "SMALLINT"),
    ),
    "F_COMPTEG": (
        ("CG_Num", "VARCHAR(13)"),
        ("CG_Type", "SMALLINT"),
        ("CG_Intitule", "VARCHAR(35)"),
        ("N_Nature", "SMALLINT"),
        ("CG_Lettrage", "SMALLINT"),
        ("CG_Tiers", "SMALLINT"),
        ("CG_Sommeil", "SMALLINT"),
        ("CG_Echeance", "SMALLINT"),
        ("N_Devise", "SMALLINT"),
    ),
    "F_COMPTET": (
        ("CT_Num", "VARCHAR(17)"),
        ("CT_Intitule", "VARCHAR(69)"),
        ("CT_Type", "SMALLINT"),
        ("CG_NumPrinc", "VARCHAR(13)"),
        ("CT_Qualite", "VARCHAR(17)"),
        ("CT_Classement", "VARCHAR(17)"),
        ("CT_Contact", "VARCHAR(35)"),
        ("CT_Adresse", "VARCHAR(35)"),
        ("CT_Complement", "VARCHAR(35)"),
        ("CT_CodePostal", "VARCHAR(9)"),
        ("CT_Ville", "VARCHAR(35)"),
        ("CT_CodeRegion", "VARCHAR(25)"),
        ("CT_Pays", "VARCHAR(35)"),
        ("CT_Siret", "VARCHAR(15)"),
        ("CT_Identifiant", "VARCHAR(25)"),
        ("CT_Ape", "VARCHAR(7)"),
        ("CT_Telephone", "VARCHAR(21)"),
        ("CT_Telecopie", "VARCHAR(21)"),
        ("CT_EMail", "VARCHAR(69)"),
        ("CT_Site", "VARCHAR(69)"),
        ("CT_Encours", _MONEY),
        ("CT_Assurance", _MONEY),
        ("CT_NumPayeur", "VARCHAR(17)"),
        ("N_Risque", "SMALLINT"),
        ("N_Devise", "SMALLINT"),
        ("MR_No", "INT"),
        ("CO_No", "INT"),
        ("CT_Sommeil", "SMALLINT"),
        ("CT_NotRappel", "SMALLINT"),
        ("CT_NotPenal", "SMALLINT"),
        ("CT_Lettrage", "SMALLINT"),
        ("CT_Prospect", "SMALLINT"),
        ("CT_DateCreate", "DATETIME"),
    ),
    "F_CONTACTT": (
        ("CT_Num", "VARCHAR(17)"),
        ("CT_No", "INT"),
        ("CT_Nom", "VARCHAR(35)"),
        ("CT_Prenom", "VARCHAR(35)"),
        ("CT_Fonction", "VARCHAR(35)"),
        ("CT_Civilite", "SMALLINT"),
        ("N_Service", "SMALLINT"),
        ("N_Contact", "SMALLINT"),
        ("CT_Telephone", "VARCHAR(21)"),
        ("CT_TelPortable", "VARCHAR(21)"),
        ("CT_Telecopie", "VARCHAR(21)"),
        ("CT_EMail", "VARCHAR(69)"),
    ),
    "F_ECRITUREC": (
        ("EC_No", "INT"),
        ("EC_NoLink", "INT"),
        ("JO_Num", "VARCHAR(7)"),
        ("JM_Date", "DATETIME"),
        ("EC_Jour", "SMALLINT"),
        ("EC_Date", "DATETIME"),
        ("EC_Piece", "VARCHAR(13)"),
        ("EC_RefPiece", "VARCHAR(17)"),
        ("EC_Reference", "VARCHAR(17)"),
        ("EC_TresoPiece", "VARCHAR(17)"),
        ("CG_Num", "VARCHAR(13)"),
        ("CG_NumCont", "VARCHAR(13)"),
        ("CT_NumCont", "VARCHAR(17)"),
        ("CT_Num", "VARCHAR(17)"),
        ("EC_Intitule", "VARCHAR(35)"),
        ("N_Reglement", "SMALLINT"),
        ("EC_Echeance", "DATETIME"),
        ("EC_Sens", "SMALLINT"),
        ("EC_Montant", _MONEY),
        ("N_Devise", "SMALLINT"),
        ("EC_Devise", _MONEY),
        ("EC_Parite", _MONEY),
        ("EC_Lettre", "SMALLINT"),
        ("EC_Lettrage", "VARCHAR(3)"),
        ("EC_LettreQ", "SMALLINT"),
        ("EC_LettrageQ", "VARCHAR(3)"),
        ("EC_ANType", "SMALLINT"),
        ("EC_Norme", "SMALLINT"),
        ("EC_RType", "SMALLINT"),
        ("EC_CType", "SMALLINT"),
        ("EC_Rappel", "SMALLINT"),
        ("EC_DateRelance", "DATETIME"),
        ("EC_PenalType", "SMALLINT"),
        ("EC_StatusRegle", "SMALLINT"),
        ("EC_MontantRegle", _MONEY),
        ("EC_DateRegle", "DATETIME"),
        ("cbHash", "VARBINARY(64)"),
        ("cbHashVersion", "INT"),
        ("cbHashDate", "DATETIME"),
        ("cbHashOrder", "INT"),
    ),
}

# Why each index: the relay filters ledger lines by third party and by the watermark,
# and looks lines up by their stable number; customers and contacts by code/watermark.
_INDEXES = (
    "CREATE UNIQUE INDEX IECRITUREC_NO ON F_ECRITUREC (EC_No)",
    "CREATE INDEX IECRITUREC_CTNUM ON F_ECRITUREC (CT_Num, CG_Num)",
    "CREATE INDEX IECRITUREC_MODIF ON F_ECRITUREC (cbModification)",
    "CREATE INDEX IECRITUREC_LETTRE ON F_ECRITUREC (CG_Num, EC_Lettre)",
    "CREATE UNIQUE INDEX ICOMPTET_NUM ON F_COMPTET (CT_Num)",
    "CREATE INDEX ICOMPTET_MODIF ON F_COMPTET (cbModification)",
    "CREATE INDEX ICONTACTT_NUM ON F_CONTACTT (CT_Num, CT_No)",
    "CREATE INDEX ICONTACTT_MODIF ON F_CONTACTT (cbModification)",
    "CREATE UNIQUE INDEX ICOMPTEG_NUM ON F_COMPTEG (CG_Num)",
    "CREATE UNIQUE INDEX IJOURNAUX_NUM ON F_JOURNAUX (JO_Num)",
    "CREATE UNIQUE INDEX ICOLLAB_NO ON F_COLLABORATEUR (CO_No)",
)


def columns(table: str) -> tuple[str, ...]:
    """Business columns of a table in DDL order (without cbMarq and technical columns)."""
    return tuple(name for name, _ in TABLES[table])


def insert_sql(table: str) -> str:
    """INSERT statement for the business + technical columns (cbMarq is assigned)."""
    names = columns(table) + TECHNICAL_COLUMNS
    marks = ", ".join("?" * len(names))
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"


def _create_table(table: str) -> str:
    cols = ["cbMarq INTEGER PRIMARY KEY AUTOINCREMENT"]
    cols += [f"{name} {sql_type}" for name, sql_type in TABLES[table] + _TECHNICAL]
    return f"CREATE TABLE {table} (\n  " + ",\n  ".join(cols) + "\n)"


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the Sage tables and indexes in an empty SQLite database."""
    for table in TABLES:
        conn.execute(_create_table(table))
    for ddl in _INDEXES:
        conn.execute(ddl)
