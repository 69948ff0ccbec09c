// SPDX-License-Identifier: AGPL-3.0-or-later
// Contracts the Ethereum scenario generator (cointrail.simulation.evm_economy, issue 16) deploys on anvil.
pragma solidity ^0.8.20;

// An exchange's batched withdrawals: one transaction pays many customers, each payment an internal call
// that only a trace shows.
contract BatchSender {
    function send(address payable[] calldata to, uint256[] calldata amounts) external payable {
        for (uint256 i = 0; i < to.length; i++) {
            (bool ok, ) = to[i].call{value: amounts[i]}("");
            require(ok, "send failed");
        }
    }
}

// Address poisoning (Tsuchiya et al., 2025): any contract can emit a Transfer event naming anyone; this one
// claims a token transfer "from" a look-alike of the victim's counterparty that never happened on the token.
contract Poisoner {
    event Transfer(address indexed from, address indexed to, uint256 value);

    function spoof(address from, address[] calldata to, uint256 value) external {
        for (uint256 i = 0; i < to.length; i++) {
            emit Transfer(from, to[i], value);
        }
    }

    // A zero-value transferFrom on the real token logs a genuine-looking Transfer from the victim.
    function zeroTransferFrom(address token, address from, address to) external {
        (bool ok, ) = token.call(abi.encodeWithSignature("transferFrom(address,address,uint256)", from, to, 0));
        require(ok, "transferFrom failed");
    }
}

// An exchange's contract deposit wallet: one per customer, it receives ether and tokens, and the exchange's sweeper
// moves them to the hot wallet -- ether by an internal call, tokens by a transfer the wallet itself makes (so the
// token's Transfer names the wallet while the transaction's sender is the sweeper).
contract DepositWallet {
    address public immutable sweeper;

    constructor(address sweeper_) { sweeper = sweeper_; }

    receive() external payable {}

    function sweep(address payable hot, address token, uint256 amount) external {
        require(msg.sender == sweeper, "not the sweeper");
        if (address(this).balance > 0) {
            (bool ok, ) = hot.call{value: address(this).balance}("");
            require(ok, "ether sweep failed");
        }
        if (amount > 0) {
            (bool ok, ) = token.call(abi.encodeWithSignature("transfer(address,uint256)", hot, amount));
            require(ok, "token sweep failed");
        }
    }
}

// A contract that ends itself, sending its balance on (a self-destruct: since Cancun it only moves the ether).
contract SelfDestructing {
    receive() external payable {}

    function end(address payable heir) external {
        selfdestruct(heir);
    }
}
