// The policies d4c ships. ELASTIC_DEFAULT_POLICY is Elastic's default D4C policy, as the
// cloud_defend integration ships it (process telemetry and an alert on executable changes).
// DEFAULT_POLICY, what the agent runs without --policy, is d4c's recommended one: Elastic's
// default plus the file, read and network telemetry that d4c's rule pack (and Elastic's rules)
// need to see an attack at all. Every selector says why it is there.

export const ELASTIC_DEFAULT_POLICY = `process:
  selectors:
    - name: allProcesses
      operation: [fork, exec]
  responses:
    - match: [allProcesses]
      actions: [log]
file:
  selectors:
    - name: executableChanges
      operation: [createExecutable, modifyExecutable]
  responses:
    - match: [executableChanges]
      actions: [alert]
`;

/** How the agent names the policy it runs when none is given. */
export const DEFAULT_POLICY_NAME = 'd4c default (recommended)';

export const DEFAULT_POLICY = `# d4c's default policy: Elastic's default (process telemetry, an alert on executable changes)
# plus what detection rules need to see. \`d4c policy default --elastic\` prints Elastic's alone.
# Each selector logs (or alerts) only where writes, reads and connections are rare in a healthy
# container, so the cost stays close to Elastic's default (docs/agent.md has the figures).
process:
  selectors:
    # Every fork and exec: the process tree, sessions, and most rules key on exec events.
    - name: allProcesses
      operation: [fork, exec]
  responses:
    - match: [allProcesses]
      actions: [log]
file:
  selectors:
    # Drift: an executable created or changed in a running container (Elastic's default alert).
    - name: executableChanges
      operation: [createExecutable, modifyExecutable]
    # Persistence: cron, systemd and init units, shell start-up files, the dynamic loader's
    # preload list, SSH keys. Images do not change these at run time; an intruder does.
    - name: persistencePaths
      operation: [createFile, modifyFile, createExecutable, modifyExecutable]
      targetFilePath:
        - /etc/crontab
        - /etc/anacrontab
        - /etc/cron.d/**
        - /etc/cron.hourly/**
        - /etc/cron.daily/**
        - /etc/cron.weekly/**
        - /etc/cron.monthly/**
        - /var/spool/cron/**
        - /etc/systemd/**
        - /lib/systemd/system/**
        - /usr/lib/systemd/system/**
        - /etc/init.d/**
        - /etc/rc.local
        - /etc/profile
        - /etc/profile.d/**
        - /etc/bash.bashrc
        - /etc/bashrc
        - /etc/zshrc
        - /etc/environment
        - /root/.bashrc
        - /root/.profile
        - /root/.bash_profile
        - /root/.zshrc
        - /root/.ssh/**
        - /etc/ssh/**
        - /etc/ld.so.preload
    # Credentials and privileges: accounts, groups and sudo rules.
    - name: accountFiles
      operation: [createFile, modifyFile]
      targetFilePath:
        - /etc/passwd
        - /etc/shadow
        - /etc/group
        - /etc/gshadow
        - /etc/sudoers
        - /etc/sudoers.d/**
    # Container escapes through the host kernel: the cgroup v1 release agent and the core
    # pattern run a program of the writer's choosing on the host.
    - name: escapeInterfaces
      operation: [createFile, modifyFile]
      targetFilePath:
        - /sys/fs/cgroup/**
        - /proc/sys/kernel/core_pattern
    # Covering tracks: logs and shell history deleted.
    - name: evidenceRemoval
      operation: [deleteFile]
      targetFilePath:
        - /var/log/**
        - /root/.bash_history
        - /root/.ash_history
        - /root/.sh_history
        - /root/.zsh_history
    # Secrets read: Kubernetes service-account tokens (and other mounted secrets), the shadow
    # file, and cloud and cluster credentials in root's home. Filtered in the kernel by prefix.
    - name: secretReads
      operation: [readFile]
      targetFilePath:
        - /var/run/secrets/**
        - /run/secrets/**
        - /etc/shadow
        - /root/.aws/**
        - /root/.config/gcloud/**
        - /root/.azure/**
        - /root/.kube/**
        - /root/.docker/config.json
  responses:
    - match: [executableChanges]
      actions: [alert]
    - match: [persistencePaths, accountFiles, escapeInterfaces, evidenceRemoval, secretReads]
      actions: [log]
network:
  selectors:
    # Outbound connections by shells, interpreters and download tools: reverse shells, tool
    # downloads, exfiltration. Services' own connections are not logged (they are most of
    # the traffic and rarely the attack).
    - name: toolConnects
      operation: [connect]
      processName:
        - sh
        - bash
        - dash
        - ash
        - zsh
        - ksh
        - busybox
        - nc
        - ncat
        - netcat
        - socat
        - curl
        - wget
        - python
        - python2
        - python3
        - perl
        - ruby
        - php
        - lua
        - telnet
        - openssl
    # The cloud metadata service: instance credentials, whoever asks.
    - name: metadataService
      operation: [connect]
      destinationAddress: [169.254.169.254, fd00:ec2::254, 100.100.100.200]
    # Every listening socket: a server listens once at start, a bind shell at any time.
    - name: listeners
      operation: [listen]
    # Every DNS transaction (query and answer): the names behind connections, tunnelling and
    # mining-pool lookups for the rules, and the answers that name later connects.
    - name: dnsLookups
      operation: [dns]
  responses:
    - match: [toolConnects, metadataService, listeners, dnsLookups]
      actions: [log]
`;
