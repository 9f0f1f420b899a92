"""An integrator's first session, through the client that openapi-python-client
generated from the served /openapi.json (package `accord_client`, on
PYTHONPATH): register parties, sign an agreement, record an exchange with a
command_id and retry it, read the agreement at two dates, read the report, and
get the problem of a refused command.

    python scenario.py BASE_URL TOKEN

Exits non-zero, naming the step, on anything unexpected.
"""

import datetime
import sys
import uuid
from http import HTTPStatus

from accord_client import AuthenticatedClient
from accord_client.api.commands import submit_command
from accord_client.api.reads import get_agreement
from accord_client.api.reports import get_cooperation_report
from accord_client.models import (
    AgreementView,
    CommandResult,
    DateRange,
    ExchangeKind,
    PartyKind,
    Problem,
    RecordExchange,
    RecordExchangeCommand,
    RecordExchangeCommandType,
    RegisterParty,
    RegisterPartyCommand,
    RegisterPartyCommandType,
    Report,
    SignAgreement,
    SignAgreementCommand,
    SignAgreementCommandType,
)


def expect(condition, step):
    if not condition:
        sys.exit(f"python scenario: {step}")


def submit(client, body, status, step):
    """Submits a command, expects `status`, returns the parsed answer."""
    answer = submit_command.sync_detailed(client=client, body=body)
    expect(answer.status_code == status, f"{step}: {answer.status_code} {answer.content!r}")
    return answer.parsed


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token)
    suffix = uuid.uuid4().hex[:8]
    parties = [f"dong-nai-{suffix}", f"lam-dong-{suffix}"]
    names = ["Ban quản lý các KCN Đồng Nai", "Ban quản lý các KCN Lâm Đồng"]
    for party_id, name in zip(parties, names):
        body = RegisterPartyCommand(
            type_=RegisterPartyCommandType.REGISTERPARTY,
            data=RegisterParty(party_id=party_id, name=name, kind=PartyKind.INDUSTRIAL_ZONE_AUTHORITY),
        )
        result = submit(client, body, HTTPStatus.CREATED, f"register {party_id}")
        expect(isinstance(result, CommandResult) and result.stream == f"party:{party_id}", "register: the stream")

    agreement_id = uuid.uuid4()
    signed = submit(
        client,
        SignAgreementCommand(
            type_=SignAgreementCommandType.SIGNAGREEMENT,
            data=SignAgreement(
                agreement_id=agreement_id,
                title="Chương trình hợp tác xúc tiến đầu tư",
                parties=parties,
                signed_on=datetime.date(2013, 7, 4),
                term=DateRange(start=datetime.date(2013, 7, 4), end=datetime.date(2018, 7, 3)),
                areas=["investment_promotion"],
            ),
        ),
        HTTPStatus.CREATED,
        "sign",
    )
    expect(signed.stream == f"agreement:{agreement_id}", f"sign: the stream {signed.stream}")

    def exchange(occurred_on, command_id=None):
        return RecordExchangeCommand(
            type_=RecordExchangeCommandType.RECORDEXCHANGE,
            command_id=command_id if command_id is not None else uuid.uuid4(),
            data=RecordExchange(
                agreement_id=agreement_id,
                occurred_on=occurred_on,
                area="investment_promotion",
                kind=ExchangeKind.MEETING,
                parties=parties,
                summary="Hội nghị xúc tiến đầu tư tại Đà Lạt",
            ),
        )

    command_id = uuid.uuid4()
    first = submit(client, exchange(datetime.date(2014, 3, 10), command_id), HTTPStatus.CREATED, "record")
    again = submit(client, exchange(datetime.date(2014, 3, 10), command_id), HTTPStatus.OK, "record again")
    expect(again.position == first.position, "the retry answers the original result")
    expect(str(again.command_id) == str(command_id), "the retry names its command_id")

    def agreement_on(day):
        answer = get_agreement.sync_detailed(agreement_id, client=client, at=day)
        expect(answer.status_code == HTTPStatus.OK, f"read on {day}: {answer.status_code}")
        expect(isinstance(answer.parsed, AgreementView), f"read on {day}: an agreement")
        return answer.parsed

    before = agreement_on(datetime.date(2014, 1, 1))
    after = agreement_on(datetime.date(2015, 1, 1))
    expect(before.exchanges.total == 0, f"no exchange by 2014-01-01: {before.exchanges.total}")
    expect(after.exchanges.total == 1, f"one exchange by 2015-01-01: {after.exchanges.total}")
    expect(after.title == "Chương trình hợp tác xúc tiến đầu tư", "the title as given")

    report = get_cooperation_report.sync_detailed(
        client=client, from_=datetime.date(2013, 1, 1), to=datetime.date(2015, 12, 31), party=parties[0]
    )
    expect(report.status_code == HTTPStatus.OK and isinstance(report.parsed, Report), "report")
    rows = [row for row in report.parsed.agreements if row.agreement_id == agreement_id]
    expect(len(rows) == 1 and rows[0].exchanges == 1, "the report counts the exchange")

    refused = submit(client, exchange(datetime.date(2020, 1, 1)), HTTPStatus.UNPROCESSABLE_ENTITY, "refused")
    expect(isinstance(refused, Problem), "a refusal is a problem")
    expect(refused.rule == "exchange_outside_term", f"the rule: {refused.rule}")
    print("python scenario: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
