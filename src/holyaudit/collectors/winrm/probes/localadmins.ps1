# holyaudit-probe: localadmins
# The members of the local Administrators group (S-1-5-32-544, whatever the group is called in the machine's
# language), read through the WinNT ADSI provider, which lists a member whose SID no longer resolves (a deleted
# account) instead of failing as Get-LocalGroupMember does. Each member's SID, class, ADsPath and account name
# (null when the SID does not resolve). Read-only: the only COM calls are the group's Members and property gets.
$ErrorActionPreference = 'Stop'
try {
    $account = ([System.Security.Principal.SecurityIdentifier]'S-1-5-32-544').Translate([System.Security.Principal.NTAccount]).Value
    $group = [ADSI]('WinNT://./' + $account.Split('\')[-1] + ',group')
    $members = @($group.psbase.Invoke('Members') | ForEach-Object {
        $member = $_  # inside a catch block $_ is the error, not the member
        $type = $member.GetType()
        $sid = [System.Security.Principal.SecurityIdentifier]::new([byte[]]$type.InvokeMember('objectSid', 'GetProperty', $null, $member, $null), 0)
        $name = $null
        try { $name = $sid.Translate([System.Security.Principal.NTAccount]).Value } catch { $name = $null }
        [pscustomobject]@{
            sid = $sid.Value
            name = $name
            class = [string]$type.InvokeMember('Class', 'GetProperty', $null, $member, $null)
            path = [string]$type.InvokeMember('ADsPath', 'GetProperty', $null, $member, $null)
        }
    })
    [pscustomobject]@{ members = $members; error = $null } | ConvertTo-Json -Compress -Depth 3
} catch {
    [pscustomobject]@{ members = $null; error = $_.Exception.Message } | ConvertTo-Json -Compress -Depth 3
}
