"""Runs AWS CLI commands one after another in a single Python process.

Usage: PYTHON cli_driver.py    (PYTHON: the interpreter of the `aws` script)

Reads one JSON request per line on stdin, {"args": ["billingconductor", ...]},
and answers each with one JSON line on stdout, {"rc", "stdout", "stderr"}: the
exit status and the output `aws ARGS...` would have had. Each command goes
through awscli.clidriver.main(), the entry point the `aws` script itself calls
(for both AWS CLI v1 and v2 installed from Python packages), with sys.argv set
and sys.stdout/sys.stderr captured; a fresh CLI driver and botocore session are
made for every command. It only saves starting Python and importing the CLI
for every step of the compatibility scenario.
"""

import io
import json
import os
import sys
import traceback


def run(clidriver, args):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    saved = sys.stdout, sys.stderr, sys.argv
    sys.stdout, sys.stderr, sys.argv = out, err, ["aws"] + args
    try:
        rc = clidriver.main()
    except SystemExit as e:  # argparse errors exit
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # what the interpreter would print before exiting 1
        traceback.print_exc()
        rc = 1
    finally:
        sys.stdout, sys.stderr, sys.argv = saved
    out.flush()
    err.flush()
    return {
        "rc": rc if rc is not None else 0,
        "stdout": out.buffer.getvalue().decode("utf-8", "replace"),
        "stderr": err.buffer.getvalue().decode("utf-8", "replace"),
    }


def main():
    # What the `aws` script does before importing the CLI.
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    import awscli.clidriver

    requests, replies = sys.stdin, sys.stdout
    for line in requests:
        if not line.strip():
            continue
        reply = run(awscli.clidriver, json.loads(line)["args"])
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
