import { BACKENDS } from "./backends.js";
import { runStoreContract } from "./store-contract.js";

for (const backend of BACKENDS) runStoreContract(backend.name, { open: backend.open });
