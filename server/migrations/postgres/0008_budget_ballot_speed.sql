-- 8: what the online ballot needs to go fast, as SQLite's
-- 0018_budget_ballot_speed.sql. Shipped: never edit; append a new file.

-- `generation` moves on whenever the edition, one of its pools or one of
-- its projects is changed, by anyone (any instance, the CLI).
-- `budget::casting` keeps the voting edition and its projects in memory
-- with the generation it read, and the cast's transaction casts only if
-- the edition's generation is still that one (else the caller loads
-- again): a cached rule is never used after a change is committed.
ALTER TABLE budget_editions ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;

-- Every update of the edition row moves it on by one (the bumps below too).
CREATE FUNCTION budget_editions_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.generation := OLD.generation + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER budget_editions_generation BEFORE UPDATE ON budget_editions
    FOR EACH ROW EXECUTE FUNCTION budget_editions_generation();

-- A pool or project updated or deleted: its edition's row is updated (and
-- so bumped). Not inserted: a pool or project the held copy lacks can only
-- make it refuse a ballot, and a refusal is always checked again on a
-- fresh load (and `mm-server migrate --from-sqlite` copies rows as they are).
CREATE FUNCTION budget_edition_child_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE budget_editions SET generation = generation WHERE gmina = OLD.gmina AND id = OLD.edition;
    IF TG_OP = 'UPDATE' AND NEW.edition IS DISTINCT FROM OLD.edition THEN
        UPDATE budget_editions SET generation = generation WHERE gmina = NEW.gmina AND id = NEW.edition;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER budget_pools_generation AFTER UPDATE OR DELETE ON budget_pools
    FOR EACH ROW EXECUTE FUNCTION budget_edition_child_written();
CREATE TRIGGER budget_projects_generation AFTER UPDATE OR DELETE ON budget_projects
    FOR EACH ROW EXECUTE FUNCTION budget_edition_child_written();

-- Fewer indexes per ballot: the idempotency index, no longer partial,
-- serves "this device's ballot" too (NULLs are distinct, so paper cards
-- never collide); the voter index served no lookup.
DROP INDEX budget_ballots_idem;
CREATE UNIQUE INDEX budget_ballots_device_idem ON budget_ballots (gmina, edition, device, idem_key);
DROP INDEX budget_ballots_device;
DROP INDEX budget_ballots_voter;
