"""Pure decisions over plain data: what the components will declare, decided without Pulumi.

Each module answers one question (which CIDR, which AZs, which order, which names and labels) and has its
own tests. Components call these and declare the answers; they do no arithmetic of their own.
"""
