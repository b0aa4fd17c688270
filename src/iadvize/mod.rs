//! iAdvize GraphQL and REST clients (see issue 4). Every ASSUMED part of the contract lives in one module.
