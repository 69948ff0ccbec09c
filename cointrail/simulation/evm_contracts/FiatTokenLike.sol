// SPDX-License-Identifier: AGPL-3.0-or-later
// A USDC-like token for cointrail's test chains (issue 16): the events of Circle's FiatToken
// (0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48 on mainnet) an investigation meets -- Transfer, Mint, Burn,
// Blacklisted, UnBlacklisted (the account an indexed topic) -- with 6 decimals. Placed at the mainnet address with
// anvil_setCode: the owner (who mints and blacklists) is storage slot 0. Not Circle's code; written for tests.
pragma solidity ^0.8.20;

contract FiatTokenLike {
    address public owner;                                        // slot 0
    uint256 public totalSupply;                                  // slot 1
    mapping(address => uint256) public balanceOf;                // slot 2
    mapping(address => mapping(address => uint256)) public allowance;  // slot 3
    mapping(address => bool) public isBlacklisted;               // slot 4

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Mint(address indexed minter, address indexed to, uint256 amount);
    event Blacklisted(address indexed _account);
    event UnBlacklisted(address indexed _account);

    modifier onlyOwner() { require(msg.sender == owner, "not owner"); _; }

    function name() external pure returns (string memory) { return "USD Coin"; }
    function symbol() external pure returns (string memory) { return "USDC"; }
    function decimals() external pure returns (uint8) { return 6; }

    function mint(address to, uint256 amount) external onlyOwner returns (bool) {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Mint(msg.sender, to, amount);
        emit Transfer(address(0), to, amount);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance");
        allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function blacklist(address account) external onlyOwner {
        isBlacklisted[account] = true;
        emit Blacklisted(account);
    }

    function unBlacklist(address account) external onlyOwner {
        isBlacklisted[account] = false;
        emit UnBlacklisted(account);
    }

    function _move(address from, address to, uint256 value) private {
        require(!isBlacklisted[from] && !isBlacklisted[to], "blacklisted");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
