// SPDX-License-Identifier: MIT
// Preloaded into every test process (scripts/run-tests.mjs): LWP_TIER forces a tier
// for CPUs the tests create in-process too, as the CLI does for guests it runs.
import { tiersFromEnv } from "../../src/cli/tiers.js";

tiersFromEnv(process.env);
