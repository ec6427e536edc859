#pragma once
// Schema.h — the numbered migrations that build the store's schema, and the
// open-time checks that a file is a Flow database this build understands.
// docs/store.md is the prose version of the schema; keep the two in step.
#include <span>
#include <string_view>

#include "Sqlite.h"

namespace flow::store::schema {

// kMigrations[i] brings a database from user_version i to i + 1. Shipped
// entries are never edited: a schema change is a new entry at the end.
std::span<const char* const> migrations();

// Tables every database at the current version must have.
std::span<const std::string_view> requiredTables();

// Checks application_id, user_version and the tables present; throws
// StoreError (NotFlowDatabase, TooNew) for a file that is not ours.
void checkIdentity(Store::Impl& impl);

// Applies every migration above the file's user_version, each in its own
// BEGIN IMMEDIATE transaction together with its user_version bump, so a
// failure leaves the database at the last completed version.
void migrate(Store::Impl& impl);

// After migrating: every required table is there (else Corrupt).
void checkTables(Store::Impl& impl);

} // namespace flow::store::schema
