// SPDX-License-Identifier: MIT
// zkl's rollup contract: the same rules as zkl.settlement.contract (the executable model it is
// checked against, sequence for sequence, by tests/settlement/conformance). See docs/ARCHITECTURE.md.
pragma solidity >=0.8.4 <0.9.0;

import {PoseidonT5} from "./PoseidonT5.sol";

/// Poseidon of 4 inputs as a contract of its own: the library is ~23 kB of code, more than fits
/// beside the rollup under EIP-170's 24,576-byte limit.
contract DepositHasher {
    function hash(uint256[4] calldata inputs) external pure returns (uint256) {
        return PoseidonT5.hash(inputs);
    }
}

/// The batch circuit's verifier (public inputs: old root, new root, commitment).
interface IBatchVerifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c,
                         uint256[3] calldata inputs) external view returns (bool);
    function verifyingKeyHash() external view returns (bytes32);
}

/// The exit circuit's verifier (public inputs: root, domain, account index, L1 address, balance).
interface IExitVerifier {
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c,
                         uint256[5] calldata inputs) external view returns (bool);
    function verifyingKeyHash() external view returns (bytes32);
}

contract ZklRollup {
    // ------------------------------------------------------------------ protocol constants
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// L2 amounts are gwei: a deposit of v wei credits v / 1e9 (v must be a whole number of gwei)
    uint256 public constant UNIT = 1 gwei;
    uint256 internal constant SLOT_BYTES = 45;
    uint256 internal constant DOMAIN_BITS = 221;
    uint256 internal constant COMMITMENT_SHIFT = 3; // the commitment is SHA-256 >> 3 (253 bits)
    uint256 internal constant T_NOOP = 0;
    uint256 internal constant T_DEPOSIT = 1;
    uint256 internal constant T_TRANSFER = 2;
    uint256 internal constant T_WITHDRAW = 3;
    // Baby Jubjub: a x^2 + y^2 = 1 + d x^2 y^2 over F_r
    uint256 internal constant BJJ_A = 168700;
    uint256 internal constant BJJ_D = 168696;

    // ------------------------------------------------------------------ deployment (fixed)
    uint256 public immutable domain;
    uint256 public immutable depth;
    uint256 public immutable genesisRoot;
    address public immutable sequencer;
    address public immutable governor;
    uint256 public immutable depositDeadline;
    uint256 public immutable vkTimelock;
    IExitVerifier public immutable exitVerifier;
    DepositHasher public immutable hasher;
    uint256 public immutable councilThreshold;

    // ------------------------------------------------------------------ state
    uint256 public stateRoot;
    uint64 public batchNumber;
    uint64 public depositCount;
    uint64 public depositsProcessed;
    bool public exodus;
    bool public paused;
    uint64 public exodusHeight;
    uint256 public bond;
    IBatchVerifier public verifier;
    IBatchVerifier public pendingVerifier;
    uint256 public pendingEffective;
    uint256 public pendingProposed;

    /// the deposit chain after each deposit: D_0 = 0, D_k = Poseidon(D_{k-1}, key.x, key.y, amount)
    mapping(uint256 => uint256) public depositChain;
    /// deposit k: depositor (160 bits) | amount in gwei (64) | deadline block (32)
    mapping(uint256 => uint256) internal depositRecord;
    mapping(uint256 => bool) public refunded;
    /// withdrawals final and not yet paid, and what each address was paid (gwei)
    mapping(address => uint256) public claimable;
    mapping(address => uint256) public claimed;
    mapping(uint256 => bool) public exited;

    address[] internal councilMembers;
    mapping(address => bool) public isCouncil;
    /// council votes: a member's vote counts in the round it was cast (a round ends when the state flips)
    uint256 public pauseRound;
    uint256 public pauseVotes;
    mapping(address => uint256) internal votedRound; // round + 1 of the member's last vote

    // ------------------------------------------------------------------ events
    event Deployed(uint256 chainId, uint256 domain, uint256 genesisRoot, uint256 depth, address sequencer,
                   address governor);
    event Configured(address verifier, bytes32 vkHash, address exitVerifier, bytes32 exitVkHash, uint256 bond,
                     uint256 depositDeadline, uint256 vkTimelock, address[] council, uint256 councilThreshold);
    event Deposit(uint256 indexed index, address indexed depositor, uint256 pubkeyX, uint256 pubkeyY,
                  uint256 amount, uint256 chainHash, uint256 deadline);
    event Withdrawal(uint256 indexed batch, uint256 position, address indexed l1Address, uint256 amount);
    event BatchFinalized(uint256 indexed number, uint256 oldRoot, uint256 newRoot, uint256 commitment,
                         uint256 transactions, uint256 deposits, uint256 withdrawals, uint256 totalFees,
                         bytes32 vkHash);
    event Claim(address indexed l1Address, uint256 amount);
    event ExodusActivated(uint256 overdueDeposit, uint256 deadline, uint256 stateRoot, uint256 batchNumber);
    event BondSlashed(address sequencer, uint256 amount);
    event DepositRefunded(uint256 indexed index, address indexed depositor, uint256 amount);
    event Exit(uint256 indexed accountIndex, address indexed l1Address, uint256 amount, uint256 root);
    event VkProposed(address verifier, bytes32 vkHash, bytes32 oldVkHash, uint256 proposedHeight,
                     uint256 effectiveHeight);
    event VkCancelled(address verifier, bytes32 vkHash, uint256 proposedHeight, uint256 effectiveHeight);
    event VkUpgraded(bytes32 oldVkHash, bytes32 vkHash, uint256 effectiveHeight);
    event PauseVote(address indexed member, bool pause, uint256 votes);
    event PauseChanged(bool paused);

    // ------------------------------------------------------------------ errors (zkl.errors names)
    error MalformedInput(string what);
    error Unauthorized();
    error ExodusMode();
    error NotInExodus();
    error BatchesPaused();
    error PauseVoteRefused();
    error ReplayedBatch();
    error OutOfOrderBatch();
    error StaleStateRoot();
    error MalformedBatch(uint256 slot);
    error SkippedDeposit(uint256 slot);
    error WrongCommitment(uint256 expected);
    error PublicInputOutOfRange();
    error BadProof();
    error NothingToClaim();
    error AlreadyClaimed();
    error AlreadyExited();
    error BadExitProof();
    error TimelockActive();
    error NoPendingChange();
    error TransferFailed();

    constructor(IBatchVerifier verifier_, IExitVerifier exitVerifier_, DepositHasher hasher_, uint256 genesisRoot_,
                uint256 depth_,
                address sequencer_, address governor_, uint256 depositDeadline_, uint256 vkTimelock_,
                address[] memory council_, uint256 councilThreshold_) payable {
        if (genesisRoot_ >= R) revert MalformedInput("genesis_root");
        if (depth_ < 1 || depth_ > 32) revert MalformedInput("depth");
        // at most 2^30 blocks (the model's MAX_PERIOD): a deadline block stays within its 32 bits for centuries
        if (depositDeadline_ < 1 || depositDeadline_ > 1 << 30) revert MalformedInput("deposit_deadline");
        if (vkTimelock_ < 1 || vkTimelock_ > 1 << 30) revert MalformedInput("vk_timelock");
        if (councilThreshold_ > council_.length || (council_.length > 0 && councilThreshold_ == 0))
            revert MalformedInput("council_threshold");
        for (uint256 i = 0; i < council_.length; i++) {
            if (isCouncil[council_[i]]) revert MalformedInput("council");
            isCouncil[council_[i]] = true;
            councilMembers.push(council_[i]);
        }
        domain = uint256(sha256(abi.encodePacked(block.chainid, address(this)))) >> (256 - DOMAIN_BITS);
        depth = depth_;
        genesisRoot = genesisRoot_;
        stateRoot = genesisRoot_;
        sequencer = sequencer_;
        governor = governor_;
        depositDeadline = depositDeadline_;
        vkTimelock = vkTimelock_;
        exitVerifier = exitVerifier_;
        hasher = hasher_;
        councilThreshold = councilThreshold_;
        verifier = verifier_;
        bond = msg.value;
        emit Deployed(block.chainid, domain, genesisRoot_, depth_, sequencer_, governor_);
        emit Configured(address(verifier_), verifier_.verifyingKeyHash(), address(exitVerifier_),
                        exitVerifier_.verifyingKeyHash(), msg.value, depositDeadline_, vkTimelock_, council_,
                        councilThreshold_);
    }

    // ------------------------------------------------------------------ deposits

    /// Escrow msg.value (whole gwei, 1 to 2^64 - 1 of them) and queue a deposit to an L2 key.
    function deposit(uint256 pubkeyX, uint256 pubkeyY) external payable {
        uint256 amount = msg.value / UNIT;
        if (msg.value % UNIT != 0 || amount == 0 || amount > type(uint64).max) revert MalformedInput("amount");
        _requireKey(pubkeyX, pubkeyY);
        _requireNotExodus();
        uint256 index = uint256(depositCount) + 1;
        uint256 chain = hasher.hash([depositChain[index - 1], pubkeyX, pubkeyY, amount]);
        uint256 deadline = block.number + depositDeadline;
        if (deadline > type(uint32).max) revert MalformedInput("deadline");
        depositChain[index] = chain;
        depositRecord[index] = (uint256(uint160(msg.sender)) << 96) | (amount << 32) | deadline;
        depositCount = uint64(index);
        emit Deposit(index, msg.sender, pubkeyX, pubkeyY, amount, chain, deadline);
    }

    /// A deposit's depositor, amount (gwei) and deadline (zero once refunded).
    function deposits(uint256 index) external view returns (address depositor, uint256 amount, uint256 deadline) {
        uint256 rec = depositRecord[index];
        return (address(uint160(rec >> 96)), (rec >> 32) & type(uint64).max, rec & type(uint32).max);
    }

    // ------------------------------------------------------------------ batches

    /// Verify and finalize the next batch. header: (number, old root, new root, fee account, commitment); data:
    /// the public data (45-byte slots, calldata); proof: A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y.
    function submitBatch(uint256[5] calldata header, bytes calldata data, uint256[8] calldata proof) external {
        _checkBatchHeader(header, data.length);
        uint256 processed = depositsProcessed;
        (uint256 nDeposits, uint256 nWithdrawals, uint256 fees) = _readSlots(data, header[0], processed);
        if (fees > type(uint64).max) revert MalformedBatch(type(uint256).max);
        {
            uint256 expected = _commitment(header, fees, processed, nDeposits, data);
            if (header[4] != expected) revert WrongCommitment(expected);
        }
        bool due = address(pendingVerifier) != address(0) && block.number >= pendingEffective;
        if (due) _applyUpgrade();
        if (!_verify(address(verifier), IBatchVerifier.verifyProof.selector, proof,
                     abi.encodePacked(header[1], header[2], header[4]))) revert BadProof();
        stateRoot = header[2];
        batchNumber = uint64(header[0]);
        depositsProcessed = uint64(processed + nDeposits);
        emit BatchFinalized(header[0], header[1], header[2], header[4], data.length / SLOT_BYTES, nDeposits,
                            nWithdrawals, fees, verifier.verifyingKeyHash());
    }

    /// Pay l1Address all its final, unclaimed withdrawals (anyone may send it).
    function claim(address l1Address) external {
        uint256 amount = claimable[l1Address];
        if (amount == 0) {
            if (claimed[l1Address] != 0) revert AlreadyClaimed();
            revert NothingToClaim();
        }
        claimable[l1Address] = 0;
        claimed[l1Address] += amount;
        emit Claim(l1Address, amount);
        _pay(l1Address, amount * UNIT);
    }

    // ------------------------------------------------------------------ exodus

    /// Whether a deposit is past its deadline unprocessed (or exodus was activated): only claims and exits then.
    function inExodus() public view returns (bool) {
        return exodus || _firstOverdue() != 0;
    }

    /// Enter exodus mode once a deposit is overdue (anyone): slash the bond; queued deposits become refundable.
    function activateExodus() public {
        if (exodus) revert ExodusMode();
        uint256 overdue = _firstOverdue();
        if (overdue == 0) revert NotInExodus();
        exodus = true;
        exodusHeight = uint64(block.number);
        uint256 slashed = bond;
        bond = 0;
        emit BondSlashed(sequencer, slashed);
        emit ExodusActivated(overdue, depositRecord[overdue] & type(uint32).max, stateRoot, batchNumber);
        _pay(address(0), slashed);
    }

    /// In exodus mode, give a queued (never processed) deposit back to its depositor, once (anyone may send it).
    function refundDeposit(uint256 index) external {
        _ensureExodus();
        if (index <= depositsProcessed || index > depositCount) revert NothingToClaim();
        if (refunded[index]) revert AlreadyClaimed();
        uint256 rec = depositRecord[index];
        address depositor = address(uint160(rec >> 96));
        uint256 amount = (rec >> 32) & type(uint64).max;
        refunded[index] = true;
        emit DepositRefunded(index, depositor, amount);
        _pay(depositor, amount * UNIT);
    }

    /// In exodus mode, pay an L2 account's balance (gwei) to l1Address once, proven against the last final root.
    function exit(uint256 accountIndex, address l1Address, uint256 balance, uint256[8] calldata proof) external {
        if (accountIndex >= 1 << depth) revert MalformedInput("account_index");
        if (balance > type(uint64).max) revert MalformedInput("balance");
        _ensureExodus();
        if (exited[accountIndex]) revert AlreadyExited();
        if (balance == 0) revert NothingToClaim();
        uint256 root = stateRoot;
        if (!_verify(address(exitVerifier), IExitVerifier.verifyProof.selector, proof,
                     abi.encodePacked(root, domain, accountIndex, uint256(uint160(l1Address)), balance)))
            revert BadExitProof();
        exited[accountIndex] = true;
        emit Exit(accountIndex, l1Address, balance, root);
        _pay(l1Address, balance * UNIT);
    }

    // ------------------------------------------------------------------ verifying-key upgrades

    /// Governor: queue a new batch verifier, in force vkTimelock blocks from this one.
    function proposeVkUpgrade(IBatchVerifier next) external {
        if (msg.sender != governor) revert Unauthorized();
        if (address(pendingVerifier) != address(0)) revert TimelockActive();
        pendingVerifier = next;
        pendingProposed = block.number;
        pendingEffective = block.number + vkTimelock;
        emit VkProposed(address(next), next.verifyingKeyHash(), verifier.verifyingKeyHash(), block.number,
                        pendingEffective);
    }

    /// Governor: drop the pending upgrade before it takes effect.
    function cancelVkUpgrade() external {
        if (msg.sender != governor) revert Unauthorized();
        if (address(pendingVerifier) == address(0)) revert NoPendingChange();
        if (block.number >= pendingEffective) revert TimelockActive();
        emit VkCancelled(address(pendingVerifier), pendingVerifier.verifyingKeyHash(), pendingProposed,
                         pendingEffective);
        _clearPending();
    }

    /// Apply a pending upgrade whose timelock has elapsed (anyone).
    function activateVkUpgrade() external {
        if (address(pendingVerifier) == address(0)) revert NoPendingChange();
        if (block.number < pendingEffective) revert TimelockActive();
        _applyUpgrade();
    }

    /// The verifier a batch in this block is checked by (a due upgrade counts).
    function effectiveVerifier() external view returns (IBatchVerifier) {
        if (address(pendingVerifier) != address(0) && block.number >= pendingEffective) return pendingVerifier;
        return verifier;
    }

    // ------------------------------------------------------------------ emergency council

    /// Council member: vote to pause new batches (in force at the threshold's vote). Nothing else is paused.
    function votePause() external {
        _vote(true);
    }

    /// Council member: vote to resume batches.
    function voteUnpause() external {
        _vote(false);
    }

    /// The council's members.
    function council() external view returns (address[] memory) {
        return councilMembers;
    }

    // ------------------------------------------------------------------ internals

    /// The checks before the data is read: ranges, sender, mode, number, old root, whole slots.
    function _checkBatchHeader(uint256[5] calldata header, uint256 length) internal view {
        uint256 number = header[0];
        if (number >= 1 << 64 || header[3] >= 1 << 32) revert MalformedBatch(type(uint256).max);
        if (header[1] >= R || header[2] >= R || header[4] >= R) revert PublicInputOutOfRange();
        if (msg.sender != sequencer) revert Unauthorized();
        _requireNotExodus();
        if (paused) revert BatchesPaused();
        if (number <= batchNumber) revert ReplayedBatch();
        if (number != uint256(batchNumber) + 1) revert OutOfOrderBatch();
        if (header[1] != stateRoot) revert StaleStateRoot();
        if (length % SLOT_BYTES != 0) revert MalformedBatch(length / SLOT_BYTES);
    }

    /// verifyProof(A, B, C, inputs) of a verifier: its static arguments are the proof's 8 words, then the inputs.
    /// A revert (NotEnoughGas: the call was short of gas) is passed on, never read as a false proof.
    function _verify(address verifier_, bytes4 selector, uint256[8] calldata proof, bytes memory inputs)
        internal view returns (bool)
    {
        (bool ok, bytes memory ret) = verifier_.staticcall(abi.encodePacked(selector, proof, inputs));
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret.length == 32 && abi.decode(ret, (bool));
    }

    /// SHA-256(domain | number u64 | fee account u32 | fees u64 | D_before | D_after | data) >> 3.
    function _commitment(uint256[5] calldata header, uint256 fees, uint256 processed, uint256 nDeposits,
                         bytes calldata data) internal view returns (uint256) {
        bytes memory head = abi.encodePacked(domain, uint64(header[0]), uint32(header[3]), uint64(fees));
        bytes memory all = abi.encodePacked(head, depositChain[processed], depositChain[processed + nDeposits], data);
        return uint256(sha256(all)) >> COMMITMENT_SHIFT;
    }

    /// Check every slot of the public data (fields a type does not use are zero; deposits are the next queued
    /// ones, by amount), credit the withdrawals; (deposits, withdrawals, the sum of the fees).
    function _readSlots(bytes calldata data, uint256 number, uint256 processed)
        internal returns (uint256 nDeposits, uint256 nWithdrawals, uint256 fees)
    {
        uint256 queued = depositCount;
        uint256 n = data.length / SLOT_BYTES;
        for (uint256 i = 0; i < n; i++) {
            uint256 w0;
            uint256 w1;
            assembly {
                let p := add(data.offset, mul(i, 45))
                w0 := calldataload(p)
                w1 := calldataload(add(p, 32))
            }
            // w0: type (1 byte) | from (4) | to (4) | amount (8) | fee (8) | address's first 7 bytes
            uint256 kind = w0 >> 248;
            uint256 amount = (w0 >> 120) & type(uint64).max;
            uint256 fee = (w0 >> 56) & type(uint64).max;
            uint256 addr = ((w0 & ((1 << 56) - 1)) << 104) | (w1 >> 152);
            if (kind == T_TRANSFER) {
                if (addr != 0) revert MalformedBatch(i);
            } else if (kind == T_DEPOSIT) {
                // from, fee and address zero; the amount is the next queued deposit's
                if ((w0 >> 216) & type(uint32).max != 0 || fee != 0 || addr != 0) revert MalformedBatch(i);
                uint256 k = processed + nDeposits + 1;
                if (k > queued || ((depositRecord[k] >> 32) & type(uint64).max) != amount) revert SkippedDeposit(i);
                nDeposits++;
            } else if (kind == T_WITHDRAW) {
                if ((w0 >> 184) & type(uint32).max != 0) revert MalformedBatch(i);
                if (amount != 0) {
                    claimable[address(uint160(addr))] += amount;
                    emit Withdrawal(number, i, address(uint160(addr)), amount);
                    nWithdrawals++;
                }
            } else if (kind == T_NOOP) {
                if (w0 << 8 != 0 || addr != 0) revert MalformedBatch(i);
            } else {
                revert MalformedBatch(i);
            }
            fees += fee;
        }
    }

    function _vote(bool pause) internal {
        if (!isCouncil[msg.sender]) revert Unauthorized();
        if (pause == paused) revert PauseVoteRefused();
        if (votedRound[msg.sender] == pauseRound + 1) revert PauseVoteRefused();
        votedRound[msg.sender] = pauseRound + 1;
        uint256 votes = pauseVotes + 1;
        emit PauseVote(msg.sender, pause, votes);
        if (votes >= councilThreshold) {
            paused = pause;
            pauseRound += 1;
            pauseVotes = 0;
            emit PauseChanged(pause);
        } else {
            pauseVotes = votes;
        }
    }

    function _applyUpgrade() internal {
        bytes32 old = verifier.verifyingKeyHash();
        verifier = pendingVerifier;
        emit VkUpgraded(old, pendingVerifier.verifyingKeyHash(), pendingEffective);
        _clearPending();
    }

    function _clearPending() internal {
        pendingVerifier = IBatchVerifier(address(0));
        pendingEffective = 0;
        pendingProposed = 0;
    }

    /// The oldest queued deposit if it is past its deadline (deadlines only grow), else 0.
    function _firstOverdue() internal view returns (uint256) {
        uint256 next = uint256(depositsProcessed) + 1;
        if (next > depositCount) return 0;
        return block.number > (depositRecord[next] & type(uint32).max) ? next : 0;
    }

    function _requireNotExodus() internal view {
        if (inExodus()) revert ExodusMode();
    }

    function _ensureExodus() internal {
        if (!exodus) activateExodus();
    }

    /// A deposit key must be a Baby Jubjub point, not of small order (8 P != O: anyone could sign for those).
    function _requireKey(uint256 x, uint256 y) internal pure {
        if (x >= R || y >= R) revert MalformedInput("l2_pubkey");
        uint256 xx = mulmod(x, x, R);
        uint256 yy = mulmod(y, y, R);
        if (addmod(mulmod(BJJ_A, xx, R), yy, R) != addmod(1, mulmod(BJJ_D, mulmod(xx, yy, R), R), R))
            revert MalformedInput("l2_pubkey");
        // three doublings in projective coordinates (X : Y : Z); 8 P is the identity when X = 0 and Y = Z
        uint256 X = x;
        uint256 Y = y;
        uint256 Z = 1;
        for (uint256 i = 0; i < 3; i++) {
            uint256 B = mulmod(addmod(X, Y, R), addmod(X, Y, R), R);
            uint256 C = mulmod(X, X, R);
            uint256 D = mulmod(Y, Y, R);
            uint256 E = mulmod(BJJ_A, C, R);
            uint256 F = addmod(E, D, R);
            uint256 J = addmod(F, R - mulmod(2, mulmod(Z, Z, R), R), R);
            X = mulmod(addmod(B, R - addmod(C, D, R), R), J, R);
            Y = mulmod(F, addmod(E, R - D, R), R);
            Z = mulmod(F, J, R);
        }
        if (X == 0 && Y == Z) revert MalformedInput("l2_pubkey");
    }

    function _pay(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
