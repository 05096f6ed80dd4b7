-- The citizen role (a resident who reports and follows their own cases, and sees no reporter's
-- personal data) was added to the code's roles (src/store/principals.ts, ROLES) but not to the
-- check constraint of migration 005, so `opencim users add NAME --role citizen` failed with the
-- constraint's error. The constraint now holds every role of ROLES; a test compares the two lists.
ALTER TABLE principals DROP CONSTRAINT IF EXISTS principals_roles_check;
ALTER TABLE principals ADD CONSTRAINT principals_roles_check
  CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['viewer','editor','inspector','dispatcher','grid_worker','department','supervisor','citizen','admin']);
