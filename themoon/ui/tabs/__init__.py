"""One folder per dashboard tab, in aiidalab-qe's shape.

    tabs/<tab>/model.py   state and actions: plain Python (or traitlets); reads through the
                          Context, writes through the store API; no ipywidgets import; tested
                          without a browser (tests/test_ui_<tab>.py drives the model)
    tabs/<tab>/view.py    lays out widgets and binds them to the model (observers / links);
                          no SQL, no arithmetic beyond formatting, no threads
    tabs/<tab>/__init__.py  exports the tab class the shell (ui/app.py) builds

Background work (imports, report runs) goes through ui/jobs.py, shared by the tabs.
"""
