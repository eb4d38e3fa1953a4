"""Element instances: provisioning, configuration, token lifecycle, authenticated calls.

Other domains use `InstanceCalls` (`container.instances.calls`) for provider calls and
`InstanceService.by_element_token` to resolve the `Element` credential.
"""
