// SPDX-License-Identifier: AGPL-3.0-or-later
// A USDT-like token for cointrail's test chains (issue 16): the events and functions of Tether's TetherToken
// (0xdAC17F958D2ee523a2206206994597C13D831ec7 on mainnet) that an investigation meets -- Transfer, Issue, Redeem,
// AddedBlackList, RemovedBlackList, DestroyedBlackFunds -- with 6 decimals and, like the real one, transfer and
// transferFrom that return nothing. Placed at the mainnet address with anvil_setCode, so no constructor runs:
// the owner is storage slot 0, set with anvil_setStorageAt. Not Tether's code; written for tests.
pragma solidity ^0.8.20;

contract TetherLike {
    address public owner;                                        // slot 0
    uint256 public totalSupply;                                  // slot 1
    mapping(address => uint256) public balanceOf;                // slot 2
    mapping(address => mapping(address => uint256)) public allowance;  // slot 3
    mapping(address => bool) public isBlackListed;               // slot 4

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Redeem(uint256 amount);
    event AddedBlackList(address _user);
    event RemovedBlackList(address _user);
    event DestroyedBlackFunds(address _blackListedUser, uint256 _balance);

    modifier onlyOwner() { require(msg.sender == owner, "not owner"); _; }

    function name() external pure returns (string memory) { return "Tether USD"; }
    function symbol() external pure returns (string memory) { return "USDT"; }
    function decimals() external pure returns (uint256) { return 6; }

    function transfer(address to, uint256 value) external {
        _move(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "allowance");
        allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
    }

    function approve(address spender, uint256 value) external {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    // Issue and redeem change balances without a Transfer event, as Tether's do.
    function issue(uint256 amount) external onlyOwner {
        balanceOf[owner] += amount;
        totalSupply += amount;
        emit Issue(amount);
    }

    function redeem(uint256 amount) external onlyOwner {
        balanceOf[owner] -= amount;
        totalSupply -= amount;
        emit Redeem(amount);
    }

    function addBlackList(address user) external onlyOwner {
        isBlackListed[user] = true;
        emit AddedBlackList(user);
    }

    function removeBlackList(address user) external onlyOwner {
        isBlackListed[user] = false;
        emit RemovedBlackList(user);
    }

    function destroyBlackFunds(address user) external onlyOwner {
        require(isBlackListed[user], "not blacklisted");
        uint256 funds = balanceOf[user];
        balanceOf[user] = 0;
        totalSupply -= funds;
        emit DestroyedBlackFunds(user, funds);
    }

    function _move(address from, address to, uint256 value) private {
        require(!isBlackListed[from], "blacklisted");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
