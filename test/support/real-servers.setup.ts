// Specs on real servers (PostgreSQL, Redis, started apps) on a shared machine: a step such as
// migrating a database can pass jest's 5 s default under load without anything being wrong.
// Their own waits (eventually(), explicit per-test timeouts) say what is too slow.
jest.setTimeout(60_000);
