"""Spreadsheet import and export of the registry (排污单位、排放口、设施、运营单位、检测机构、人员).

``columns`` declares each resource's columns once; ``reader`` turns xlsx/csv into numbered rows;
``importer`` checks and saves them within the user's jurisdiction; ``exporter`` writes templates,
exports and the rejected rows back out.
"""
