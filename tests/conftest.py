import os

# Brain-Score shells out to pip on every load_* unless told not to; tests never install anything.
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
