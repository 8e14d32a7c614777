# holyaudit-probe: bitlocker
# Each volume's BitLocker state. Get-BitLockerVolume needs the BitLocker feature and an administrator; when it
# cannot run at all, the reason is reported instead; a volume it writes an error for is reported with that
# error, and the other volumes as usual. Then the policies that require the OS drive to be encrypted, as the
# machine received them: MDM's RequireDeviceEncryption (the BitLocker CSP, stored under PolicyManager) and
# MBAM's ShouldEncryptOSDrive (Group Policy). A key that does not exist is null; one that cannot be read is
# policyError. Read-only.
$ErrorActionPreference = 'Stop'
function Read-PolicyValue([string]$path, [string]$name) {
    try {
        $key = Get-Item -LiteralPath $path
    } catch {
        if ($_.FullyQualifiedErrorId -like 'PathNotFound*') { return $null }
        throw
    }
    $key.GetValue($name)
}
$policy = $null
$policyError = $null
try {
    $policy = [pscustomobject]@{
        mdmRequireDeviceEncryption = Read-PolicyValue 'HKLM:\SOFTWARE\Microsoft\PolicyManager\current\device\BitLocker' 'RequireDeviceEncryption'
        mbamShouldEncryptOSDrive = Read-PolicyValue 'HKLM:\SOFTWARE\Policies\Microsoft\FVE\MDOPBitLockerManagement' 'ShouldEncryptOSDrive'
    }
} catch {
    $policyError = $_.Exception.Message
}
try {
    $failures = @()
    $volumes = @(Get-BitLockerVolume -ErrorAction SilentlyContinue -ErrorVariable failures | ForEach-Object {
        [pscustomobject]@{
            mount = $_.MountPoint
            type = [string]$_.VolumeType
            protection = [string]$_.ProtectionStatus
            status = [string]$_.VolumeStatus
            percent = [double]$_.EncryptionPercentage
        }
    })
    $errors = @($failures | ForEach-Object { [pscustomobject]@{ target = [string]$_.TargetObject; message = $_.Exception.Message } })
    [pscustomobject]@{ volumes = $volumes; errors = $errors; policy = $policy; policyError = $policyError } | ConvertTo-Json -Compress -Depth 4
} catch {
    [pscustomobject]@{ error = $_.Exception.Message; policy = $policy; policyError = $policyError } | ConvertTo-Json -Compress -Depth 4
}
