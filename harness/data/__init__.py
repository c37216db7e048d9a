"""AP-DATA knowledge: which data item a message is, which of its fields are
declared, what personal information a payload carries, which flows a unit
opened, and whether an important-data catalogue agrees with the inventory.
Pure functions; the suite (testsuites/data) observes and judges."""
