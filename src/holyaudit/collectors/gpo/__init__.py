"""Group Policy: GPO files read from SYSVOL (Registry.pol, GptTmpl.inf) and GPO links read from the directory."""
