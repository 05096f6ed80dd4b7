-- A building metered for some carriers and estimated for the others (a blank carrier keeps its
-- estimate) is `partly_metered`, not `metered`: the basis says what its figure rests on.
ALTER TABLE carbon_buildings DROP CONSTRAINT IF EXISTS carbon_buildings_basis_check;
ALTER TABLE carbon_buildings ADD CONSTRAINT carbon_buildings_basis_check CHECK (basis IN ('estimated', 'metered', 'partly_metered'));
