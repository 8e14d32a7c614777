"""The rule language, rule and profile loading, and pure evaluation of rules over facts."""
