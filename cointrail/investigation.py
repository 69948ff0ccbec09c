"""The engine: one object per case that answers every question of an investigation with a typed result.

An :class:`Investigation` holds a case (its captures, custody log and investigator's labels) and the
ledger store its questions are asked of (the chain, the clusters, the imported labels). Each question is
one method: :meth:`~Investigation.address` (address info), :meth:`~Investigation.wallet`,
:meth:`~Investigation.why`, :meth:`~Investigation.trace`, :meth:`~Investigation.payers`,
:meth:`~Investigation.graph_hop`, ... The CLI, the web workspace and the tests call these and render what
they return; a notebook user does the same (docs/api.md)::

    from cointrail.investigation import Investigation
    with Investigation.open("op-nightjar", cases_dir="cases") as inv:
        found = inv.payers()                       # the site's captured addresses, as the report takes them
        for payer in found.payers:
            print(payer.payer_cluster_id, inv.amount(payer.total), payer.funded_by)

Every answer that can be asked the same way from two places is computed here once: the site's addresses
taken from the case's captures (:meth:`~Investigation.site`) are the same selection for ``cointrail payers
--case``, the workspace's payers page and graph, and the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cointrail.amounts import Amount, Unit, unit_of
from cointrail.cases import Case, open_case
from cointrail.cases.site import SiteSelection, captured_site_addresses
from cointrail.errors import InputError, NotInStoreError
from cointrail.model import (
    AccountActivity,
    AddressActivity,
    Block,
    GraphHop,
    GraphNode,
    HistoryCoverage,
    Label,
    SiteCoverage,
    TraceGraph,
    Transaction,
    Wallet,
    Why,
)
from cointrail.model.coverage import COMPLETE, NOT_ALL_FETCHED, TRUNCATED
from cointrail.store.duckdb.store import AccountStoreError, LedgerStore, existing_store

if TYPE_CHECKING:  # the analysis is imported when first asked: opening an investigation stays light
    from cointrail.exports.goaml_profiles import GoamlProfile
    from cointrail.facts.document import ReportFacts
    from cointrail.model import Headline, Search, TransactionPage
    from cointrail.services import Detection
    from cointrail.store.duckdb.account import AccountStore
    from cointrail.tracing import PayersResult, TraceResult
    from cointrail.tracing.account_payers import AccountPayersResult
    from cointrail.tracing.account_trace import AccountTraceResult

__all__ = ["CASE_STORE", "Investigation", "case_store"]

Progress = Callable[[int, int], None]
CASE_STORE = "ledger.duckdb"
MEMBERS_SHOWN = 50  # members listed on the workspace's wallet page
EXPLAINED_INLINE = 10  # wallets this small get every member's explanation with their answer
SITE_REASON = "its addresses were found on the site's page captured in this case"


def case_store(case: Case) -> Path:
    """The ledger store kept in the case's work folder (``work/ledger.duckdb``), used when no --db is given."""
    return case.work / CASE_STORE


class Investigation:
    """A case and the ledger store its questions are asked of; either may be absent.

    ``store`` is used as given and left open (the web workspace passes a cursor of its own per request);
    :meth:`open` opens one itself and closes it with the investigation.
    """

    def __init__(self, store: LedgerStore | None = None, case: Case | None = None, *,
                 accounts: AccountStore | None = None):  # fmt: skip
        self._store = store
        self.case = case
        self._owned: LedgerStore | None = None
        self._accounts = accounts  # an account-model (Ethereum) store, in place of a UTXO one (issue 16)
        self._unopened: Path | None = None  # the store :meth:`open` was given lazily, until a question needs it
        self._site: tuple[tuple[Any, ...], SiteSelection] | None = None  # site(), and the log's state it was read at

    @classmethod
    def open(cls, case: str | Case | None = None, db: str | Path | None = None, *, cases_dir: str | Path | None = None,
             operator: str | None = None, lazy: bool = False) -> Investigation:  # fmt: skip
        """The investigation of ``case`` (a name under ``cases_dir``, or a :class:`Case`) over the store ``db``,
        else over the case's own store when it has one; the store is opened read-only, at once or, ``lazy``, when
        a question first needs it (the facts of a report kept in the case need none: another process may be
        writing the store meanwhile)."""
        opened = open_case(case, cases_dir, operator) if isinstance(case, str) else case
        path = Path(db) if db is not None else (case_store(opened) if opened is not None else None)
        if db is not None:
            existing_store(db)
        found = cls(None, opened)
        found._unopened = path if path is not None and path.exists() else None
        if not lazy:
            found._open_store()
        return found

    def _open_store(self) -> None:
        """Open the store :meth:`open` was given, if it is not open yet."""
        path = self._unopened
        if path is None:
            return
        try:  # opened once: an account store is known by LedgerStore.open refusing it
            self._store = self._owned = LedgerStore.open(path, read_only=True)
        except AccountStoreError:
            from cointrail.store.duckdb.account import AccountStore

            self._accounts = AccountStore.open(path, read_only=True)
        self._unopened = None  # only once opened: a store in use or damaged is tried again, and says so again

    def close(self) -> None:
        """Close the store :meth:`open` opened (a store given to the constructor stays open)."""
        self._unopened = None
        if self._owned is not None:
            self._owned.close()
            self._owned = None
        if self._accounts is not None:
            self._accounts.close()
            self._accounts = None

    def __enter__(self) -> Investigation:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self.close()

    @property
    def store(self) -> LedgerStore:
        """The ledger store, or a plain-words error saying how to make one."""
        self._open_store()
        if self._store is None:
            where = f" --db {case_store(self.case)}" if self.case is not None else " --db FILE"
            raise InputError(f"this question needs a ledger store: read the chain with `cointrail ingest …{where}`")
        return self._store

    @property
    def has_store(self) -> bool:
        self._open_store()
        return self._store is not None

    @property
    def accounts(self) -> AccountStore | None:
        """The account-model (Ethereum, Tron) store, when the investigation's store is one."""
        self._open_store()
        return self._accounts

    @property
    def chain(self) -> str:
        """The store's chain (``litecoin``, ``ethereum``)."""
        return self.accounts.chain if self.accounts is not None else self.store.chain

    @property
    def network(self) -> str:
        return self.accounts.network if self.accounts is not None else self.store.network

    @property
    def unit(self) -> Unit:
        """The coin the store's amounts are counted in (LTC, 8 decimals for a Litecoin store)."""
        return unit_of(self.chain)

    def amount(self, units: int) -> Amount:
        """Base units of this investigation's chain as an :class:`~cointrail.amounts.Amount` (``0.25 LTC``)."""
        return Amount(int(units), self.chain)

    def _case(self) -> Case:
        if self.case is None:
            raise InputError("this question needs a case: give --case (or open the investigation on one)")
        return self.case

    # The site -------------------------------------------------------------------------------------------------

    def site(self) -> SiteSelection:
        """The case's captured addresses that this store's chain and network can answer for; the others left out,
        each with why (the one selection of every command, page and report: :mod:`cointrail.cases.site`).

        Read once while the case's custody log stays as it was (a capture or import logs its findings file, so a
        new one is seen at the next question); each answer is a copy of its own."""
        self._open_store()  # the store the selection is for: kept with it, as the log's state is
        state = (self._case().folder, self._case().log.file_state(), self._store is not None,
                 self._accounts is not None)  # fmt: skip
        if self._site is None or self._site[0] != state:
            self._site = (state, self._read_site())
        return deepcopy(self._site[1])

    def _read_site(self) -> SiteSelection:
        if self.accounts is not None:  # an account is the same 0x (or T…) text on every network of its chain
            from cointrail.cases.site import captured_evm_addresses, captured_tron_addresses

            captured = captured_tron_addresses if self.accounts.chain == "tron" else captured_evm_addresses
            return SiteSelection(self.chain, self.network, captured(self._case()))
        chain, network = (self.chain, self.network) if self.has_store else (None, None)
        return captured_site_addresses(self._case(), chain, network)

    def _site_from_case(self) -> SiteSelection:
        selection = self.site()
        if not selection.addresses:
            why = f" ({selection.note()})" if selection.note() else ""
            raise InputError(f"the case {self._case().name} has no captured {self.chain} {self.network} "
                             f"addresses{why}; capture the site first or give its addresses or wallet")  # fmt: skip
        return selection

    # Addresses and wallets ------------------------------------------------------------------------------------

    def address(self, address: str, counterparties: int = 20) -> AddressActivity:
        """What the ledger knows of ``address`` (or a script, or a public key in hex): received, sent and balance,
        transactions, first and last seen, and up to ``counterparties`` counterparties."""
        from cointrail.store.duckdb import sparse
        from cointrail.store.duckdb.queries import address_info

        found = address_info(self.store, address, counterparties)
        name = found.get("address") or ""
        listed = sparse.coverage(self.store, [name]).get(name) if name else None
        cover = None if listed is None else HistoryCoverage.from_json(listed)
        reading = sparse.balance_reading(self.store, name) if name else None
        balance = balance_knowledge(reading, cover, found["balance"], self.store.chain)
        return replace(AddressActivity.from_json({**found, **balance}), coverage=cover)

    def transaction(self, txid: str) -> Transaction:
        """One transaction: its block, inputs with the outputs they spent, outputs with the inputs that spent them."""
        from cointrail.store.duckdb.queries import transaction

        return Transaction.from_json(transaction(self.store, txid))

    def transaction_page(self, txid: str) -> TransactionPage:
        """A transaction as the workspace shows it: with the names labels give its addresses, the site's addresses
        marked, and what the clustering found of it (a CoinJoin), :func:`cointrail.lookup.transaction_page`."""
        from cointrail.lookup import transaction_page

        return transaction_page(self, txid)

    def search(self, text: str) -> Search:
        """What ``text`` names in the store, best first: a wallet (``cluster:12``), a transaction id, an address, or
        the text of labels (:func:`cointrail.lookup.search`)."""
        from cointrail.lookup import search

        return search(self, text)

    def block(self, ref: str | int) -> Block:
        """A block by height or hash: header, source, verification flags and transaction ids."""
        from cointrail.store.duckdb.queries import block

        return Block.from_json(block(self.store, ref))

    def labels(self, address: str | None = None) -> tuple[Label, ...]:
        """The labels stored for ``address`` (or all), most confident first, each with its source."""
        from cointrail.labels.store import list_labels

        return tuple(Label.from_json(row) for row in list_labels(self.store, address))

    def services(self) -> list[Detection]:
        """Wallets that behave like a service (exchange, mining pool, gambling), with evidence and a score."""
        from cointrail.services import detect_services

        return detect_services(self.store)

    def wallet(self, address: str, *, why: str | None = None, members: int = 20) -> Wallet:
        """The wallet (cluster) of ``address``: size, totals, labels, attribution, red flags; with ``why``, the
        links that put that member in it."""
        from cointrail.clustering import show_cluster

        return Wallet.from_json(show_cluster(self.store, address, why, members))

    def why(self, address: str, member: str) -> Why:
        """Why ``member`` is in the wallet of ``address``, link by link (or that it is not)."""
        found = self.wallet(address, why=member, members=0).why
        assert found is not None  # asked for
        return found

    def wallet_page(self, address: str | None = None, cluster_id: int | None = None, *, why: str | None = None,
                    members: int = MEMBERS_SHOWN) -> Wallet | None:  # fmt: skip
        """A wallet as the workspace shows it, named by a member ``address`` or by its ``cluster_id`` (then
        ``why`` may name a member to explain): with its node in the flow graph and, for a small wallet, why each
        member belongs. None for an address of a store not clustered yet."""
        from cointrail.clustering import show_cluster
        from cointrail.clustering.summary import member_explanations
        from cointrail.graph.nodes import describe_clusters

        store = self.store
        if cluster_id is not None:
            node = self.graph_node(f"cluster:{cluster_id}")
            assert node.address is not None  # a wallet's node is named by one of its addresses
            found = show_cluster(store, node.address, why=why, members=members)
        elif address is not None and store.cluster_reads().has_clusters():
            found = show_cluster(store, address, members=members)
            node = GraphNode.from_json(describe_clusters(store, {found["cluster_id"]})[found["cluster_id"]])
        else:
            return None
        small = why is None and found["size"] <= EXPLAINED_INLINE  # a larger one links to each explanation
        found["why_members"] = member_explanations(store, found["address"], found["members"]) if small else {}
        captured = self.site_wallets().get(found["cluster_id"])
        found["node"] = _as_site(node) if captured else node
        found["site"] = {"addresses": list(captured), "reason": SITE_REASON} if captured else None
        return Wallet.from_json(found)

    # Account chains (Ethereum, issue 16) ------------------------------------------------------------------------

    def _account_store(self) -> AccountStore:
        if self.accounts is None:
            raise InputError("this question needs an Ethereum store: read the chain with "
                             "`cointrail ingest --chain ethereum … --db FILE`")  # fmt: skip
        return self.accounts

    def account(self, address: str, counterparties: int = 20) -> AccountActivity:
        """What an Ethereum store knows of the account ``address`` (0x…): a :class:`cointrail.model.AccountActivity`."""
        from cointrail.tracing.account_info import account_activity

        return account_activity(self._account_store(), self._account_form(address), counterparties)

    def account_payers(self, addresses: Sequence[str] = (), *, hops: int = 6) -> AccountPayersResult:
        """Who paid the site's 0x addresses (``addresses``, else the case's captured ones) in ether and each listed
        token, each payer traced to the exchange withdrawal that funded it, with suspected poisoning apart."""
        from cointrail.cases.site import captured_evm_addresses, captured_tron_addresses
        from cointrail.tracing.account_payers import account_payers, in_tron_form

        store = self._account_store()
        tron = store.chain == "tron"
        captured = captured_tron_addresses if tron else captured_evm_addresses
        site = list(addresses) or (captured(self.case) if self.case is not None else [])
        if not site:
            raise InputError("give the site's addresses, or a case whose captures hold some")
        found = account_payers(store, [self._account_form(a) for a in site], hops=hops)
        return in_tron_form(found) if tron else found

    def account_trace(self, start: str, *, asset: str = "ETH", direction: str = "forward", hops: int = 3,
                      model: str = "fifo") -> AccountTraceResult:  # fmt: skip
        """Follow ``asset`` from the account ``start`` on an Ethereum (or Tron) store, forward or backward, under a
        taint model (``fifo``, ``haircut``, ``poison``): each step, and where and why each trail ends."""
        from cointrail.tracing.account_trace import account_trace

        return account_trace(self._account_store(), self._account_form(start), asset=asset.upper(),
                             direction=direction, hops=hops, model=model)  # fmt: skip

    def _account_form(self, address: str) -> str:
        """An account as the store keeps it: 0x-hex (a Tron ``T…`` address is turned into its 20 bytes)."""
        from cointrail.addresses.account import tron_to_hex
        from cointrail.addresses.model import AddressDecodeError

        if not address.startswith("T"):
            return address.lower()
        try:
            return "0x" + tron_to_hex(address)[2:]
        except AddressDecodeError as error:
            raise InputError(f"{address} is not a Tron address: {error}") from error

    # Following the money --------------------------------------------------------------------------------------

    def trace(self, start: str, *, direction: str = "forward", hops: int = 3, min_value: int = 0,
              since: str | None = None, until: str | None = None, model: str = "haircut",
              through_coinjoins: bool = False, progress: Progress | None = None) -> TraceResult:  # fmt: skip
        """Follow money from ``start`` (an address, a txid or ``cluster:<id>``): a
        :class:`cointrail.tracing.TraceResult` (arguments as :func:`cointrail.tracing.trace`)."""
        from cointrail.tracing import trace

        return trace(self.store, start, direction=direction, hops=hops, min_value=min_value, since=since,
                     until=until, model=model, through_coinjoins=through_coinjoins, progress=progress)  # fmt: skip

    def payers(self, addresses: Sequence[str] = (), *, cluster: int | None = None, from_case: bool | None = None,
               fiat: str = "USD", hops: int = 6, through_coinjoins: bool = False,
               progress: Progress | None = None) -> PayersResult:  # fmt: skip
        """Who paid the site, each payer traced back to the service that funded it: a
        :class:`cointrail.tracing.PayersResult`.

        The site is the wallet ``cluster``, else ``addresses`` together with, when ``from_case`` (the default
        when neither is given), the case's captured addresses of this store's chain and network
        (:meth:`site`); then ``site.from_case`` of the answer says which were used and which left out, why.
        """
        from cointrail.tracing import payers

        if from_case is None:
            from_case = cluster is None and not addresses
        selection = self._site_from_case() if from_case and cluster is None else None
        listed = list(dict.fromkeys([*addresses, *(selection.addresses if selection else [])]))
        if cluster is None and not listed:
            raise InputError("give the site's addresses, its wallet (cluster), or a case with captures")
        site: list[str] | int = cluster if cluster is not None else listed
        result = payers(self.store, site, fiat=fiat, hops=hops, through_coinjoins=through_coinjoins,
                        progress=progress)  # fmt: skip
        if selection is not None:
            result.site["from_case"] = selection.to_dict()
        result.coverage = self._coverage(result.site["addresses"])
        return result

    def _coverage(self, addresses: Sequence[str]) -> SiteCoverage | None:
        """How far a sparse store's data go for these addresses (None for a store of whole blocks)."""
        from cointrail.store.duckdb import sparse

        if not sparse.is_sparse(self.store):
            return None
        by_address = {a: HistoryCoverage.from_json(c) for a, c in sparse.coverage(self.store, addresses).items()}
        short = sorted(a for a, c in by_address.items() if not c.complete)
        note = ("a sparse store (transactions crawled around some addresses from a light source): payments and "
                "funding are only those in the crawled transactions; "
                + (f"{len(short)} of the site's addresses have an incomplete history" if short
                   else "every site address's history is complete at the tip it was listed at"))  # fmt: skip
        return SiteCoverage(by_address, tuple(short), sparse.unverified_inputs(self.store), note)

    def headline(self, *, prefer_report: bool = True) -> Headline:
        """The case's findings, answer first: payments into the site and their total, the payers, the exchanges to
        ask with their request packs, the site's cash-outs and the watch alerts (:mod:`cointrail.headline`): read
        from the latest report kept in the case (``prefer_report``), else the payers asked of the store now."""
        from cointrail.headline import headline

        return headline(self, prefer_report=prefer_report)

    # The report and the exports -------------------------------------------------------------------------------

    def report_facts(self, site: Sequence[str] | None = None, *, latest: bool = False,
                     **options: Any) -> ReportFacts:  # fmt: skip
        """Every fact the case's report, its request packs and its exports are made of (docs/report.md), as the
        document the report is written from (:class:`~cointrail.facts.document.ReportFacts`; its ``to_json()`` is
        what the case keeps): collected now from the case and the store, for the site's
        addresses ``site`` (else the case's captured ones), with the options of
        :func:`cointrail.facts.collect_facts` (``findings``, ``fiat``, ``hops``, ``model``, ``explorer``, ``role``,
        ``instructions``). With ``latest`` and no ``site``, the facts of the newest report kept in the case, where
        there is one: what the request packs and exports were always written from."""
        from cointrail.facts.collect import facts_of

        if latest and not site:
            from cointrail.facts.kept import latest_facts

            stored = latest_facts(self._case())
            if stored is not None:
                return stored
            if not (self.has_store or self.accounts is not None):
                raise InputError(f"the case {self._case().name!r} has no report yet and no ledger store in its work "
                                 "folder: run 'cointrail report' first, or give --db")  # fmt: skip
        return facts_of(self, list(site) if site else None, **options)

    def request_pack_facts(self, site: Sequence[str] | None = None, *, latest: bool = False,
                           fiat: str | None = None) -> ReportFacts:  # fmt: skip
        """The facts the request packs are written from: :meth:`report_facts` (``site``, ``latest``), their
        exchanges' rows valued in ``fiat`` (a currency code, from :func:`cointrail.cases.settings.fiat_currency`:
        the CLI's ``--fiat`` and the workspace's form alike, else ``$COINTRAIL_FIAT``), priced again from this store
        at each block's day where the facts are in another currency; None: the facts' own currency."""
        from cointrail.facts.pricing import in_currency

        return in_currency(self._either_store, self.report_facts(site, latest=latest), fiat)

    def export(self, format: str, *, site: Sequence[str] | None = None, latest: bool = False,  # noqa: A002
               profile: GoamlProfile | None = None, trafficking: bool = False) -> str:  # fmt: skip
        """The case's findings as the text of the export ``format`` (a key of :data:`cointrail.exports.EXPORTERS`,
        docs/exports.md), written from :meth:`report_facts` (``site``, ``latest``): goAML under the FIU's
        ``profile``, its amounts priced in the profile's currency from this store where the facts are in another;
        the SAR sheet with the human-trafficking flag."""
        from cointrail.exports import export
        from cointrail.exports.goaml_profiles import GENERIC
        from cointrail.facts.pricing import prices_in

        facts = self.report_facts(site, latest=latest)
        options: dict[str, Any] = {"profile": profile, "trafficking": trafficking or None}
        if format == "goaml":  # the store is opened only if the facts are in another currency
            options["prices"] = prices_in(self._either_store, facts, (profile or GENERIC).currency)
        return export(facts, format, **options)

    def _either_store(self) -> LedgerStore | AccountStore | None:
        """The store of either family, None without one."""
        return self.store if self.has_store else self.accounts

    # The flow graph -------------------------------------------------------------------------------------------

    def graph_node(self, node: str) -> GraphNode:
        """What a node of the flow graph (``cluster:<id>``, ``address:<text>``, or ``site:captured``, the site's
        wallets as one node) is: its wallet, labels, role."""
        from cointrail.graph import describe
        from cointrail.graph.site_node import is_site_node

        if is_site_node(node):
            return self.site_group()
        return GraphNode.from_json(describe(self.store, node))

    def graph_hop(self, node: str, direction: str = "forward", limit: int = 20) -> GraphHop:
        """One hop of the flow graph from ``node``: the counterparty wallets and the money to or from each; a
        wallet holding the site's captured addresses is drawn as the site."""
        from cointrail.graph import expand
        from cointrail.graph.site_node import expand_site, is_site_node

        if is_site_node(node):  # the site's addresses looked up once, for its node and for marking its wallets
            site_found = self._site_found()
            site = self._site_group(site_found).to_json()
            found = GraphHop.from_json(expand_site(self.store, site, direction, limit))
        else:
            found = GraphHop.from_json(expand(self.store, node, direction, limit))
            site_found = None
        return replace(found, nodes=tuple(_marked(found.nodes, self._site_wallets(site_found))))

    def site_group(self) -> GraphNode:
        """The site's wallets (:meth:`site_nodes`) as one flow-graph node (:mod:`cointrail.graph.site_node`); a
        plain error when the ledger knows none of the captured addresses."""
        return self._site_group(self._site_found())

    def _site_group(self, found: list[_SiteAddress]) -> GraphNode:
        from cointrail.graph.site_node import site_group

        wallets = self._site_wallet_nodes(found)
        if not wallets:
            raise NotInStoreError("none of the addresses captured in this case is in the ledger store, so the site "
                                  "has no node on the graph")  # fmt: skip
        return GraphNode.from_json(site_group([w.to_json() for w in wallets], len(found), SITE_REASON))

    def site_wallets(self) -> dict[int, tuple[str, ...]]:
        """The wallets (cluster ids) that hold the case's captured site addresses, each with those addresses;
        none without a case or before the store is clustered."""
        return self._site_wallets(None)

    def _site_wallets(self, found: list[_SiteAddress] | None) -> dict[int, tuple[str, ...]]:
        """:meth:`site_wallets` of the site addresses ``found`` (None: looked up here, in a clustered store only)."""
        if self.case is None or not self.has_store or not self.store.cluster_reads().has_clusters():
            return {}
        found = self._site_found() if found is None else found
        wallets: dict[int, list[str]] = {}
        for address in found:
            if address.wallet is not None:  # else ingested after the last cluster build: in no wallet yet
                wallets.setdefault(address.wallet, []).append(address.text)
        return {cluster: tuple(addresses) for cluster, addresses in wallets.items()}

    def _site_found(self) -> list[_SiteAddress]:
        """The case's captured site addresses the ledger knows (those never paid are not on it), in the site's order,
        each with its address id and its wallet: one store lookup an address, one query for all their wallets."""
        if self.case is None or not self.has_store:
            return []
        from cointrail.store.duckdb.address_find import find_address

        ids: list[tuple[str, int]] = []
        for address in self.site().addresses:
            try:  # the same lookup as an address node's (another spelling of a stored address is found too)
                ids.append((address, find_address(self.store, address)[0]))
            except NotInStoreError:  # never paid: not on the ledger
                continue
        wallets = self.store.trace_reads().clustered({address_id for _, address_id in ids})
        return [_SiteAddress(text, address_id, wallets.get(address_id)) for text, address_id in ids]

    def marked_as_site(self, nodes: Sequence[GraphNode]) -> list[GraphNode]:
        """Flow-graph ``nodes`` with those of the site's wallets marked as the site (role, caption, why)."""
        return _marked(nodes, self.site_wallets())

    def graph_of_trace(self, traced: Mapping[str, Any]) -> TraceGraph:
        """A finished trace (its ``to_json()``) drawn as wallets and the traced money between them."""
        from cointrail.graph import trace_graph

        return TraceGraph.from_json(trace_graph(self.store, traced))

    def site_nodes(self) -> list[GraphNode]:
        """The wallets of the site's captured addresses that the ledger knows, as flow-graph nodes marked as the
        site (the graph opens on them)."""
        return self._site_wallet_nodes(self._site_found())

    def _site_wallet_nodes(self, found: list[_SiteAddress]) -> list[GraphNode]:
        """:meth:`site_nodes` of the site addresses ``found``: their wallets described together, in one read of their
        sizes, names and labels (a wallet of one address is drawn as that address, as :func:`describe` draws it)."""
        from cointrail.graph.nodes import address_node, describe_clusters

        if not found:
            return []
        clusters = {a.address_id: a.address_id if a.wallet is None else a.wallet for a in found}  # as clusters_of
        described = describe_clusters(self.store, set(clusters.values()))
        names = self.store.trace_reads().address_names({a.address_id for a in found
                                                         if described[clusters[a.address_id]]["size"] <= 1})
        nodes: dict[str, GraphNode] = {}
        for address in found:
            wallet = described[clusters[address.address_id]]
            if wallet["size"] <= 1:
                wallet = address_node(wallet, names[address.address_id])
            nodes.setdefault(wallet["id"], _as_site(GraphNode.from_json(wallet)))
        return list(nodes.values())


@dataclass(frozen=True)
class _SiteAddress:
    """A captured site address the ledger knows: its text as captured, its address id, its wallet (None: in none)."""

    text: str
    address_id: int
    wallet: int | None


def _marked(nodes: Sequence[GraphNode], wallets: Mapping[int, object]) -> list[GraphNode]:
    """``nodes`` with those of the site's ``wallets`` (cluster ids) marked as the site."""
    return [_as_site(n) if n.cluster_id in wallets else n for n in nodes]


def _as_site(node: GraphNode) -> GraphNode:
    """A flow-graph node of the site's wallet as the site (a labelled role, an exchange's, is kept: it says more)."""
    if node.role not in ("wallet", "site"):
        return replace(node, captured=True, reason=SITE_REASON)
    from cointrail.graph.nodes import short_name

    assert node.cluster_id is not None and node.address is not None  # a wallet's or an address's node
    if node.kind == "address" and node.size > 1:  # one address of the site's wallet, not all of it
        caption = f"address {node.address[:10]}… of the site's wallet {node.cluster_id}"
    else:  # the site's wallets told apart by their ids: a site may use many
        caption = f"the site: {short_name(node.cluster_id, node.size, node.address)}"
    return replace(node, role="site", captured=True, reason=SITE_REASON, caption=caption)


def balance_knowledge(reading: dict[str, Any] | None, cover: HistoryCoverage | None, balance: int,
                      chain: str) -> dict[str, Any]:  # fmt: skip
    """``balance_known`` and, when not known, ``balance_unknown``: why, in words, and the bounds that hold.

    ``reading`` is :func:`cointrail.store.duckdb.sparse.balance_reading` (None in a store of whole blocks: known).
    A spender not fetched can only lower the balance (the fetched transactions leave at most ``balance``); a
    payment in a transaction not fetched can only raise it. So the balance is bounded above only when the whole
    history was fetched, and below only when the spending of every fetched output is known.
    """
    if reading is None:
        return {"balance_known": True}
    missing, whole = reading["spending_not_fetched"], reading["whole_history_fetched"]
    if whole and not missing["outputs"]:
        return {"balance_known": True}
    reasons = [_spending_words(missing, balance, chain)]
    if not whole:
        reasons.append(f"{_history_words(cover)}: payments to it in transactions not fetched are not counted")
    return {"balance_known": False, "balance_unknown": {
        "reason": "; ".join(reasons), "at_most": balance if whole else None,
        "at_least": None if missing["outputs"] else balance, "fetched_leave": balance,
        "spending_not_fetched": missing, "whole_history_fetched": whole}}  # fmt: skip


def _spending_words(missing: dict[str, int], balance: int, chain: str) -> str:
    from cointrail.amounts import format_amount
    from cointrail.wording import counted

    if not missing["outputs"]:
        return f"the fetched transactions leave it {format_amount(balance, chain)}, which it holds at least"
    return (f"what became of {counted(missing['outputs'], 'output')} paid to it "
            f"({format_amount(missing['value'], chain)}) was not fetched, and they may have been spent: the fetched "
            f"transactions leave it at most {format_amount(balance, chain)}, perhaps as little as "
            f"{format_amount(balance - missing['value'], chain)}")  # fmt: skip


def _history_words(cover: HistoryCoverage | None) -> str:
    status = None if cover is None else cover.status
    if status in (COMPLETE, NOT_ALL_FETCHED):  # listed whole, but not all of it fetched
        return "its history was listed, but not all of its transactions were fetched"
    if cover is not None and status == TRUNCATED:
        return f"its history is {cover.words}"
    return "its history was not fetched (it was only seen in transactions fetched for other addresses)"
