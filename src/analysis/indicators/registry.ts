import { livingCircleCompleteness, serviceEquity, transitAccess } from './computed/access.js';
import { activitySpaceShortfall, childcareShortfall, elderlyShortfall, kindergartenShortfall } from './computed/community.js';
import { fireStationCoverage, greenwayCoverage, middleSchoolCoverage, parkServiceCoverage } from './computed/service-areas.js';
import { agedHousingShare, highRiseCount, housingHazardIndicators } from './computed/housing.js';
import { parkGreenPerCapita, populationDensity, roadNetworkDensity } from './computed/land.js';
import type { Indicator } from './types.js';
import { OPERATIONS_INDICATORS } from '../../domains/operations/check.js';

/** Every computed indicator, by catalogue id: the one registry the check runner reads. */
export const INDICATORS: readonly Indicator[] = [
  parkServiceCoverage, middleSchoolCoverage, greenwayCoverage, fireStationCoverage,
  roadNetworkDensity, transitAccess, livingCircleCompleteness,
  kindergartenShortfall, elderlyShortfall, childcareShortfall, activitySpaceShortfall,
  parkGreenPerCapita, populationDensity, agedHousingShare, highRiseCount, serviceEquity, ...housingHazardIndicators,
  ...OPERATIONS_INDICATORS,
];

export const INDICATOR_BY_ID: ReadonlyMap<string, Indicator> = new Map(INDICATORS.map((i) => [i.id, i]));
