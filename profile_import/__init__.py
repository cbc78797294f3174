"""The profile-import application: settings, connections and the command line."""
