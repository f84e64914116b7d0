"""The Fed's and the BoJ's policy rates: the decision tables and meeting calendar, and the rates a snapshot reports."""
