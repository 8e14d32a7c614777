# holyaudit-probe: firewall
# Windows Defender Firewall's Domain, Private and Public profiles as they are in force: the ActiveStore policy
# store holds the effective values, whether Group Policy or a local setting put them there. Enum values are
# printed as their names (ConvertTo-Json would print their numbers). Read-only.
$ErrorActionPreference = 'Stop'
try {
    $profiles = @(Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object {
        [pscustomobject]@{ name = [string]$_.Name; enabled = [string]$_.Enabled; inbound = [string]$_.DefaultInboundAction }
    })
    [pscustomobject]@{ profiles = $profiles; error = $null } | ConvertTo-Json -Compress -Depth 3
} catch {
    [pscustomobject]@{ profiles = $null; error = $_.Exception.Message } | ConvertTo-Json -Compress -Depth 3
}
