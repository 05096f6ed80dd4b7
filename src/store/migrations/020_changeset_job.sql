-- The job whose work a change set is (issue 14 §5: every job finishes exactly once). A job's work
-- commits in a transaction of its own and its success mark (`jobs.status`) is written after it on
-- the attempt's lock connection: when that connection dies between the two, the job is retried.
-- The retry finds what the first attempt committed (runs name their job since migration 004;
-- change sets from here on) and does not do it again (src/jobs/execute.ts). Not part of the
-- change set's hashes: it says which job wrote it, not what was written.
ALTER TABLE changesets ADD COLUMN job_id bigint;
CREATE INDEX changesets_job_idx ON changesets (job_id) WHERE job_id IS NOT NULL;
