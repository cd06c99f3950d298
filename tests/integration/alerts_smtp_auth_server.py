# Test-only SMTP submission server: Debian's aiosmtpd with STARTTLS required and AUTH
# (PLAIN/LOGIN) required for one user; messages go to a maildir.
# usage: python3 alerts_smtp_auth_server.py PORT CERT KEY MAILDIR USER PASSWORD_FILE
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, maildir, user, pwfile = sys.argv[1:7]
password = open(pwfile).read().strip()
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    return AuthResult(success=ok, handled=False)


controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port),
                        tls_context=ctx, require_starttls=True, authenticator=authenticator,
                        auth_required=True, auth_require_tls=True)
controller.start()
threading.Event().wait()
