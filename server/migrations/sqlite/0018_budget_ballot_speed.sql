-- 18: what the online ballot needs to go fast (issue 15, docs/BENCHMARKS.md
-- "Participatory budget"). Shipped: never edit; append a new file.

-- `generation` moves on whenever the edition, one of its pools or one of
-- its projects is changed, by anyone (this server, another instance, the
-- CLI). `budget::casting` keeps the voting edition and its projects in
-- memory with the generation it read, and the register's writer casts
-- only if the edition's generation is still that one (else the caller
-- loads again): a cached rule is never used after a change is committed.
ALTER TABLE budget_editions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

-- Any update of the edition row but the bump itself (recursive triggers
-- are off, and the bump changes `generation`, so it does not fire again).
CREATE TRIGGER budget_editions_generation AFTER UPDATE ON budget_editions
WHEN NEW.generation = OLD.generation
BEGIN
    UPDATE budget_editions SET generation = generation + 1 WHERE gmina = NEW.gmina AND id = NEW.id;
END;

-- Updates and deletes of pools and projects. Not inserts: a pool or project
-- the held copy lacks can only make it refuse a ballot, and a refusal is
-- always checked again on a fresh load (and `mm-server migrate
-- --from-sqlite` copies rows as they are).
CREATE TRIGGER budget_pools_generation_update AFTER UPDATE ON budget_pools
BEGIN
    UPDATE budget_editions SET generation = generation + 1 WHERE gmina = NEW.gmina AND id IN (NEW.edition, OLD.edition);
END;
CREATE TRIGGER budget_pools_generation_delete AFTER DELETE ON budget_pools
BEGIN
    UPDATE budget_editions SET generation = generation + 1 WHERE gmina = OLD.gmina AND id = OLD.edition;
END;

CREATE TRIGGER budget_projects_generation_update AFTER UPDATE ON budget_projects
BEGIN
    UPDATE budget_editions SET generation = generation + 1 WHERE gmina = NEW.gmina AND id IN (NEW.edition, OLD.edition);
END;
CREATE TRIGGER budget_projects_generation_delete AFTER DELETE ON budget_projects
BEGIN
    UPDATE budget_editions SET generation = generation + 1 WHERE gmina = OLD.gmina AND id = OLD.edition;
END;

-- Fewer b-trees per ballot. The idempotency index, no longer partial,
-- also serves "this device's ballot" (its leading columns), so the device
-- index goes; NULLs are distinct in a UNIQUE index, so paper cards (no
-- device, no key) never collide. The voter index served no lookup (the
-- register's primary key decides; the Pabulib export sorts in memory).
DROP INDEX budget_ballots_idem;
CREATE UNIQUE INDEX budget_ballots_device_idem ON budget_ballots (gmina, edition, device, idem_key);
DROP INDEX budget_ballots_device;
DROP INDEX budget_ballots_voter;
