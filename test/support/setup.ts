// Preloaded by bunfig.toml for every test file. Tests wait for conditions with
// their own (shorter) deadlines and fail with a message saying what they waited
// for; bun's own 5 s timeout would fire first on a loaded machine and, with a
// gRPC stream open, can leave the run hanging instead of failing.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(30_000);
